package dev.reel.train.dataset;

import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Captions with varied wording for a {@link ShapeClip}: "a red circle moves to the right on a blue background", … */
public final class ShapeCaptions {
    private ShapeCaptions() {}

    /** The plain wording an evaluator prompts with: "a red circle moves to the right on a blue background". */
    public static String canonical(ShapeClip.Color color, ShapeClip.Shape shape, ShapeClip.Motion motion, ShapeClip.Color background) {
        return article(color.word()) + " " + color.word() + " " + word(shape) + " " + verb(motion, 0) + " on a " + background.word() + " background";
    }

    /** A caption for {@code clip}, its wording drawn with {@code random}. */
    public static String caption(ShapeClip clip, Random random) {
        String size = switch (clip.size()) {
            case SMALL -> pick(random, "small ", "little ", "");
            case LARGE -> pick(random, "large ", "big ", "");
            case MEDIUM -> "";
        };
        String object = article(size + clip.color().word()) + " " + size + clip.color().word() + " " + word(clip.shape());
        String ground = background(clip, random);
        String verb = verb(clip.motion(), random.nextInt(3));
        String second = clip.second() == null ? "" : pick(random, " next to ", " beside ") + article(clip.second().color().word()) + " "
                + clip.second().color().word() + " " + word(clip.second().shape());
        String s = switch (random.nextInt(3)) {
            case 0 -> object + " " + verb + second + " on " + ground;
            case 1 -> object + second + " " + verb + " over " + ground;
            default -> object + " " + verb + " across " + ground + second;
        };
        return s.replaceAll(" +", " ").strip();
    }

    private static String background(ShapeClip clip, Random random) {
        String c = clip.background().word();
        return switch (clip.texture()) {
            case PLAIN -> pick(random, "a " + c + " background", "a plain " + c + " background", "a " + c + " floor");
            case STRIPES -> pick(random, "a striped " + c + " background", "a " + c + " background with stripes");
            case CHECKS -> pick(random, "a checkered " + c + " background", "a " + c + " checkerboard");
        };
    }

    /** A shape as written in captions: "circle". */
    public static String word(ShapeClip.Shape s) { return s.name().toLowerCase(Locale.ROOT); }

    private static String verb(ShapeClip.Motion m, int variant) {
        List<String> v = switch (m) {
            case RIGHT -> List.of("moves to the right", "slides right", "moving rightward");
            case LEFT -> List.of("moves to the left", "slides left", "moving leftward");
            case UP -> List.of("moves up", "rises", "moving upward");
            case DOWN -> List.of("moves down", "falls", "moving downward");
            case BOUNCE -> List.of("bounces", "bouncing", "bounces up and down");
            case GROW -> List.of("grows", "growing bigger", "gets larger");
            case SHRINK -> List.of("shrinks", "shrinking", "gets smaller");
            case SPIN -> List.of("spins", "spinning", "rotates");
        };
        return v.get(variant % v.size());
    }

    private static String article(String next) { return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a"; }

    private static String pick(Random r, String... options) { return options[r.nextInt(options.length)]; }
}
