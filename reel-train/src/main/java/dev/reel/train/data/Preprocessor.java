package dev.reel.train.data;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.loader.ModelIndex;
import dev.reel.models.loader.ModelRegistry;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.pipeline.stages.PromptCleaner;
import dev.reel.pipeline.stages.TextEncoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FastVideo's preprocessing: videos and captions → Parquet rows of VAE latents and text embeddings. Each clip
 * is decoded and sampled ({@link ClipReader}), encoded by the model's VAE (the latent distribution's mean,
 * un-normalised, as {@code vae.decode} takes it back), its caption by the model's tokenizer and UMT5 exactly as
 * the inference pipeline's TextEncoding does (cleaned, {@code maxSequenceLength} tokens; the rows keep only the
 * real tokens). A clip that cannot be used is skipped with a report line; the output file appears only
 * complete.
 */
public final class Preprocessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Preprocessor.class);

    /**
     * @param frames            frames per clip, 4k+1 (the VAE's temporal rule)
     * @param fps               sampling rate (0: each video's own)
     * @param height            clip height, a multiple of 16 (VAE ×8, transformer patch ×2)
     * @param width             clip width, likewise
     * @param maxSequenceLength text tokens the captions are encoded at (Wan: 512)
     */
    public record Options(int frames, double fps, int height, int width, int maxSequenceLength) {
        public Options {
            if (frames < 1 || (frames - 1) % 4 != 0) throw new ReelException("--frames = " + frames + ": must be 4k+1 (1, 5, 9, 13, 17, …)");
            if (height < 16 || height % 16 != 0) throw new ReelException("--height = " + height + ": must be a positive multiple of 16");
            if (width < 16 || width % 16 != 0) throw new ReelException("--width = " + width + ": must be a positive multiple of 16");
            if (fps < 0 || Double.isNaN(fps)) throw new ReelException("--fps = " + fps + ": must be positive (or 0 for each video's own)");
            if (maxSequenceLength < 1) throw new ReelException("--max-sequence-length = " + maxSequenceLength + ": must be at least 1");
        }
    }

    /**
     * What a run did.
     *
     * @param rows    rows written
     * @param skipped one line per video left out, saying why
     */
    public record Report(int rows, List<String> skipped) {}

    private final AutoencoderKLWan vae;
    private final UMT5EncoderModel textEncoder;
    private final TokenizerFolder tokenizer;
    private final TextEncoding textEncoding;
    private final Backend backend;

    private Preprocessor(AutoencoderKLWan vae, UMT5EncoderModel textEncoder, TokenizerFolder tokenizer, Backend backend) {
        this.vae = vae;
        this.textEncoder = textEncoder;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.textEncoding = new TextEncoding(tokenizer, textEncoder::forward, DType.F32);
    }

    /** Loads the VAE (fp32), text encoder ({@code textEncoderDtype}) and tokenizer of the pipeline folder {@code model}. */
    public static Preprocessor load(Path model, DType textEncoderDtype, Backend backend) {
        ModelIndex index = ModelIndex.read(model);
        ModelRegistry registry = ModelRegistry.standard();
        try {
            var vae = (AutoencoderKLWan) load(index, registry, "vae", DType.F32, backend);
            var te = (UMT5EncoderModel) load(index, registry, "text_encoder", textEncoderDtype, backend);
            var tok = (TokenizerFolder) load(index, registry, "tokenizer", DType.F32, backend);
            return new Preprocessor(vae, te, tok, backend);
        } catch (ClassCastException e) {
            throw new ReelException(model + ": preprocessing needs a Wan2.1 pipeline (AutoencoderKLWan, UMT5EncoderModel, a T5 tokenizer): " + e.getMessage(), e);
        }
    }

    private static Object load(ModelIndex index, ModelRegistry registry, String name, DType dtype, Backend backend) {
        ModelIndex.Component c = index.component(name);
        Object o = registry.resolve(index, c).loader().load(index.folder(c), dtype, backend);
        if (o instanceof dev.reel.models.nn.Module m) m.visitParameters((k, p) -> Scope.detach(p.get()));
        return o;
    }

    /**
     * Encodes every usable video of {@code videos} into {@code output}; {@code progress} hears one line per video.
     * Throws if no video could be used (and then writes nothing).
     */
    public Report run(VideoList videos, Path output, Options options, Consumer<String> progress) {
        WanVaeConfig vc = vae.config();
        if ((options.frames() - 1) % vc.scaleFactorTemporal() != 0) {
            throw new ReelException("--frames = " + options.frames() + ": the VAE needs " + vc.scaleFactorTemporal() + "k+1 frames");
        }
        ClipReader reader = new ClipReader(options.frames(), options.fps(), options.height(), options.width());
        List<String> skipped = new ArrayList<>(videos.skipped());
        try (LatentParquetWriter writer = LatentParquetWriter.create(output)) {
            int i = 0;
            for (VideoList.Item item : videos.items()) {
                i++;
                try {
                    ClipReader.Clip clip = reader.read(item.file());
                    writer.write(row(item, clip, options));
                    progress.accept(String.format(java.util.Locale.ROOT, "[%d/%d] %s: %d frames of %dx%d at %.3g fps", i, videos.items().size(),
                            item.name(), options.frames(), options.width(), options.height(), clip.fps()));
                } catch (ClipReader.BadClipException e) {
                    String line = item.name() + ": " + e.getMessage();
                    skipped.add(line);
                    progress.accept(String.format(java.util.Locale.ROOT, "[%d/%d] skipped %s", i, videos.items().size(), line));
                }
            }
            if (writer.rows() == 0) throw new ReelException("no usable video in the input (" + skipped.size() + " skipped): nothing written to " + output);
            writer.commit();
            LOG.info("wrote {} rows to {}", writer.rows(), output);
            return new Report((int) writer.rows(), List.copyOf(skipped));
        }
    }

    /** One clip and its caption → a row. */
    LatentRow row(VideoList.Item item, ClipReader.Clip clip, Options o) {
        try (Scope scope = Scope.open()) {
            Tensor video = backend.fromFloats(clip.rgb(), DType.F32, 1, o.frames(), o.height(), o.width(), 3)   // [1, T, H, W, 3] in [0, 1]
                    .permute(0, 4, 1, 2, 3).mul(2f).add(-1f).to(vae.dtype());                             // [1, 3, T, H, W] in [-1, 1]
            Tensor latent = vae.encode(video).mean().to(DType.F32).select(0, 0).contiguous();               // [C, T', H/8, W/8]
            String caption = PromptCleaner.clean(item.caption());
            int length = tokenizer.forLength(o.maxSequenceLength()).encode(List.of(caption)).seqLens()[0];
            Tensor text = textEncoding.encode(List.of(caption), o.maxSequenceLength()).select(0, 0).narrow(0, 0, length).contiguous();   // [L, D]
            return new LatentRow(item.caption(), item.name(), clip.fps(), o.frames(), o.height(), o.width(),
                    RowTensors.bytes(latent, DType.F32), RowTensors.shape(latent), RowTensors.dtypeName(DType.F32),
                    RowTensors.bytes(text, DType.F32), RowTensors.shape(text), RowTensors.dtypeName(DType.F32), length);
        }
    }

    /**
     * The text encoder's states for {@code caption} padded with zeros to {@code length} tokens, {@code [length, D]} as
     * floats: what the pipeline feeds the transformer (the empty prompt is what training's text dropout substitutes).
     */
    public float[] textStates(String caption, int length) {
        try (Scope scope = Scope.open()) {
            return textEncoding.encode(List.of(PromptCleaner.clean(caption)), length).select(0, 0).to(DType.F32).toFloatArray();
        }
    }

    /** The VAE, for checks that decode rows back. */
    public AutoencoderKLWan vae() { return vae; }

    @Override public void close() { tokenizer.close(); }
}
