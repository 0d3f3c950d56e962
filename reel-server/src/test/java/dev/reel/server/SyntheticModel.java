package dev.reel.server;

import dev.reel.core.Device;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.media.Mp4Writer;
import dev.reel.server.engine.PipelineModel;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.jobs.VideoSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** TEMPORARY stand-in until the pipeline generates: real validation rules, gradient frames, a sleep per step. */
final class SyntheticModel implements VideoModel {
    private final VideoModel rules = PipelineModel.demo("wan21-tiny", GeneratorOptions.defaults());
    @Override public String id() { return rules.id(); }
    @Override public int defaultSteps() { return rules.defaultSteps(); }
    @Override public double defaultGuidance() { return rules.defaultGuidance(); }
    @Override public int defaultFps() { return rules.defaultFps(); }
    @Override public void validate(VideoSpec spec) { rules.validate(spec); }
    @Override public VideoEngine load(Device device) {
        return new VideoEngine() {
            @Override public Rendered render(VideoSpec s, Path video, Path thumbnail, RenderMonitor m) {
                long t0 = System.nanoTime();
                for (int i = 1; i <= s.numInferenceSteps(); i++) {
                    if (m.stopRequested()) throw new RenderCancelledException("cancelled after " + (i - 1) + " steps");
                    try { Thread.sleep(20); } catch (InterruptedException e) { throw new RuntimeException(e); }
                    m.step(i, s.numInferenceSteps(), Duration.ofMillis(20));
                }
                float[] rgb = new float[s.numFrames() * s.height() * s.width() * 3];
                for (int i = 0; i < rgb.length; i++) rgb[i] = (i % 255) / 255f;
                Frames f = new Frames(s.numFrames(), s.height(), s.width(), rgb);
                new Mp4Writer(s.fps(), "ultrafast", 18).write(f, video);
                try { javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(s.width(), s.height(), 1), "png", thumbnail.toFile()); } catch (Exception e) { throw new RuntimeException(e); }
                m.stage("Denoising", Duration.ofNanos(System.nanoTime() - t0));
                return new Rendered(Duration.ofNanos(System.nanoTime() - t0));
            }
            @Override public void close() {}
        };
    }
}
