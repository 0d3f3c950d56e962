package dev.reel.train.eval;

import dev.reel.train.dataset.ShapeClip;

/**
 * What {@link ShapeJudge} saw in a video of the shapes world.
 *
 * @param background the background colour (one of {@code ShapesDataset.BACKGROUNDS})
 * @param object     the moving object's colour (one of {@code ShapesDataset.OBJECT_COLORS}), or null when no pixel
 *                   of an object colour was found
 * @param motion     how the object moved: {@code RIGHT, LEFT, UP, DOWN, BOUNCE, GROW} or {@code SHRINK}; null when it
 *                   stayed in place (still, or spinning, which the centroid and area cannot tell apart) or no object
 *                   was found
 * @param dx         net horizontal travel of the object's centroid, first frames to last, as a fraction of the width
 *                   (positive: to the right)
 * @param dy         net vertical travel, as a fraction of the height (positive: down)
 * @param growth     the object's area in the last frames over its area in the first (1 when not measured)
 */
public record Judgement(ShapeClip.Color background, ShapeClip.Color object, ShapeClip.Motion motion, double dx, double dy, double growth) {}
