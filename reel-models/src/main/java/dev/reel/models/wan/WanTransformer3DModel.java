package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.WeightStreamer;
import dev.reel.models.nn.SafetensorsWeights;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.nn.Conv3d;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.nn.LayerNorm;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;
import dev.reel.models.nn.SequenceParallel;
import dev.reel.models.nn.WeightSource;
import dev.reel.models.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The Wan2.1 diffusion transformer (Diffusers' {@code WanTransformer3DModel}: text-to-video, and image-to-video
 * when the config has an image branch, whose CLIP states each block cross-attends beside the text). Latents
 * {@code [B, C, T, H, W]} are cut into patches by a strided convolution and flattened to tokens; each block
 * attends over the tokens with 3-axis rotary positions, cross-attends to the projected text and runs a
 * feed-forward network, all modulated by the timestep (AdaLN); a modulated final norm and projection turn the
 * tokens back into latent patches.
 *
 * <p>Field names are the checkpoint keys ({@code blocks.3.attn1.to_q.weight} is
 * {@code blocks.get(3).attn1.toQ.weight}). Weights may be stored in any float dtype; as in Diffusers'
 * {@code _keep_in_fp32_modules}, the time embedder, the modulation tables and the affine norms stay fp32.
 */
public final class WanTransformer3DModel extends Module implements AutoCloseable {
    /** Key components whose parameters stay fp32 whatever dtype the model is loaded in. */
    private static final Set<String> KEEP_IN_FP32 = Set.of("time_embedder", "scale_shift_table", "norm1", "norm2", "norm3");

    /** {@code patch_embedding}: Conv3d with kernel = stride = patch size. */
    public final Conv3d patchEmbedding;
    /** {@code condition_embedder}. */
    public final WanTimeTextImageEmbedding conditionEmbedder;
    /** {@code blocks.N}. */
    public final List<WanTransformerBlock> blocks;
    /** {@code norm_out}: no affine. */
    public final LayerNorm normOut;
    /** {@code proj_out}: dim → outChannels · pt · ph · pw. */
    public final Linear projOut;
    /** {@code scale_shift_table} {@code [1, 2, dim]}: shift and scale of the output norm. */
    public final Parameter scaleShiftTable;
    /** {@code rope} (no weights). */
    public final WanRotaryPosEmbed rope;

    private final WanTransformerConfig config;
    /** Where the blocks' weights live between uses; null while they are simply resident. */
    private WeightStreamer blockWeights;

    /** Builds the module tree for {@code config}; no weights are allocated until loaded. */
    public WanTransformer3DModel(WanTransformerConfig config) {
        this.config = config;
        int dim = config.innerDim();
        float eps = (float) config.eps();
        int[] p = config.patchSize();
        this.rope = new WanRotaryPosEmbed(config.attentionHeadDim(), p, config.ropeMaxSeqLen(), 10000.0);
        this.patchEmbedding = child("patch_embedding", new Conv3d(config.inChannels(), dim, p, p, new int[3], true));
        this.conditionEmbedder = child("condition_embedder", new WanTimeTextImageEmbedding(dim, config.freqDim(), config.textDim(),
                config.imageDim(), config.posEmbedSeqLen()));
        List<WanTransformerBlock> list = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            list.add(new WanTransformerBlock(dim, config.ffnDim(), config.numAttentionHeads(), config.crossAttnNorm(), eps, config.addedKvProjDim()));
        }
        this.blocks = children("blocks", list);
        this.normOut = child("norm_out", new LayerNorm(dim, eps, false));
        this.projOut = child("proj_out", new Linear(dim, config.outChannels() * config.patchVolume(), true));
        this.scaleShiftTable = param("scale_shift_table", 1, 2, dim);
    }

    /** Builds the module tree from a {@code config.json} (weights not loaded). */
    public static WanTransformer3DModel fromConfig(ConfigJson config) {
        return new WanTransformer3DModel(WanTransformerConfig.fromConfig(config));
    }

    /**
     * Loads a Diffusers {@code transformer/} folder: {@code config.json} plus
     * {@code diffusion_pytorch_model.safetensors} or a sharded {@code *.safetensors.index.json}.
     *
     * @param dtype compute/storage dtype of the weights (fp32-kept modules excepted)
     */
    public static WanTransformer3DModel load(Path folder, DType dtype, Backend backend) {
        WanTransformer3DModel model = fromConfig(ConfigJson.read(folder.resolve("config.json")));
        try (SafetensorsWeights weights = SafetensorsWeights.open(folder)) {
            model.loadWeights(weights, dtype, backend);
        }
        return model;
    }

    /** A model of {@code config} with seeded random weights (for benchmarks at real sizes). */
    public static WanTransformer3DModel random(WanTransformerConfig config, long seed, DType dtype, Backend backend) {
        WanTransformer3DModel model = new WanTransformer3DModel(config);
        Weights.random(model, seed, key -> keepInFp32(key) ? DType.F32 : dtype, backend);
        return model;
    }

    /**
     * Loads every weight from {@code source} (all keys checked together), keeping the fp32 modules fp32. Stored
     * {@code norm_added_q} weights, which Diffusers ignores on load (the image queries are the text queries), are skipped.
     */
    public void loadWeights(WeightSource source, DType dtype, Backend backend) {
        Weights.load(this, source.without(key -> key.contains("norm_added_q")), key -> keepInFp32(key) ? DType.F32 : dtype, backend);
    }

    private static boolean keepInFp32(String key) {
        for (String part : key.split("\\.")) if (KEEP_IN_FP32.contains(part)) return true;
        return false;
    }

    public WanTransformerConfig config() { return config; }

    /**
     * Hands the blocks' weights to a {@link WeightStreamer} made by {@code streamer} from one group per block
     * (that block's parameters in declaration order), e.g. {@code backend::streamWeights}: the forward then
     * acquires each block's weights before its compute and releases them after. Call once, after loading.
     */
    public void streamBlocks(Function<List<List<Tensor>>, WeightStreamer> streamer) {
        if (blockWeights != null) throw new IllegalStateException("the transformer's blocks are already streamed");
        List<List<Parameter>> params = new ArrayList<>();
        for (WanTransformerBlock block : blocks) {
            List<Parameter> ps = new ArrayList<>();
            block.visitParameters((key, p) -> ps.add(p));
            params.add(ps);
        }
        WeightStreamer s = streamer.apply(params.stream().map(ps -> ps.stream().map(Parameter::get).toList()).toList());
        for (int i = 0; i < params.size(); i++) {
            List<Tensor> w = s.weights(i);
            for (int j = 0; j < w.size(); j++) params.get(i).get(j).set(w.get(j));
        }
        blockWeights = s;
    }

    /** Frees what a {@link #streamBlocks} streamer holds; resident weights are freed by their owner. */
    @Override public void close() {
        if (blockWeights != null) blockWeights.close();
        blockWeights = null;
    }

    /** The dtype the model computes in (that of its projection weights). */
    public DType dtype() { return projOut.weight.get().dtype(); }

    /**
     * Runs one transformer block on the residual stream, for training: a runner keeps what its tape needs (or
     * checkpoints the block). Inference runs the blocks through {@link DitHooks} instead.
     */
    @FunctionalInterface
    public interface BlockRunner {
        Tensor run(WanTransformerBlock block, Tensor x, Tensor text, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope);
    }

    /** Inference's runner: only the block's output outlives it, and its input (dead once read) is freed now. */
    public static final BlockRunner INFERENCE = inference(SequenceParallel.LOCAL);

    /** Inference's runner on this rank's token shard under {@code seq}. */
    private static BlockRunner inference(SequenceParallel seq) {
        return (block, x, text, timestepProj, rope) -> {
            Tensor next;
            try (Scope blockScope = Scope.open()) {
                next = blockScope.keep(block.forward(x, text, timestepProj, rope, seq));
            }
            x.free();   // the previous block's output is dead; free it now rather than at the end
            return next;
        };
    }

    /**
     * One denoising prediction (the flow velocity for Wan).
     *
     * @param hiddenStates        latents {@code [B, inChannels, T, H, W]}, T/H/W divisible by the patch size
     * @param timestep            the timestep of each batch element ({@code B} values, or one for all)
     * @param encoderHiddenStates text-encoder states {@code [B, Ltext, textDim]}
     * @return {@code [B, outChannels, T, H, W]} in the model's dtype; every intermediate is freed
     */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates) {
        return forward(hiddenStates, timestep, encoderHiddenStates, DitHooks.NONE);
    }

    /**
     * One denoising prediction with {@code hooks} consulted around the block stack and each attention (step
     * caches); {@link DitHooks#NONE} gives exactly {@link #forward(Tensor, float[], Tensor)}.
     */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, DitHooks hooks) {
        return forward(hiddenStates, timestep, encoderHiddenStates, null, hooks);
    }

    /**
     * The prediction of an image-to-video model: {@code encoderHiddenStatesImage} are the CLIP states
     * {@code [B·n, N, imageDim]} as Diffusers takes them (n = 2 images per sample for first-and-last-frame models,
     * consecutive rows; else 1), null for a text-to-video model.
     */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage, DitHooks hooks) {
        return forward(hiddenStates, timestep, encoderHiddenStates, encoderHiddenStatesImage, (x, cond, freqs, seq) ->
                hooks.blocks(x, cond.temb(), cond.timestepProj(), in -> runBlocks(in, cond, freqs, hooks)), null);
    }

    /**
     * One prediction with per-frame timesteps (Wan2.2 TI2V's {@code expand_timesteps}: each latent frame's tokens
     * at their frame's timestep, e.g. an image-conditioned first frame at 0), {@code hooks} as above. Not under
     * sequence parallel.
     */
    public Tensor forward(Tensor hiddenStates, FrameTimesteps timesteps, Tensor encoderHiddenStates, DitHooks hooks) {
        int frames = hiddenStates.size(2) / config.patchSize()[0];
        if (timesteps.batch() != hiddenStates.size(0) || timesteps.frames() != frames) {
            throw new ShapeException("WanTransformer3DModel", "frame timesteps are " + timesteps.batch() + " × " + timesteps.frames() + ", the latents need "
                    + hiddenStates.size(0) + " × " + frames + " (batch × latent frames after the temporal patch)");
        }
        return forward(hiddenStates, timesteps.values(), encoderHiddenStates, null, (x, cond, freqs, seq) ->
                hooks.blocks(x, cond.temb(), cond.timestepProj(), in -> runBlocks(in, cond, freqs, hooks)), null, timesteps);
    }

    /** {@link #forward(Tensor, float[], Tensor)} with each block run by {@code blockRunner} (training). */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, BlockRunner blockRunner) {
        // a backward pass would read block weights after their release
        if (blockWeights != null) throw new IllegalStateException("a transformer with streamed blocks (memory level 3) cannot run custom block runners (training)");
        return forward(hiddenStates, timestep, encoderHiddenStates, null, (x, cond, freqs, seq) -> {
            for (WanTransformerBlock block : blocks) x = blockRunner.run(block, x, cond.text(), cond.timestepProj(), freqs);
            return x;
        }, null);
    }

    /**
     * The same prediction with the tokens split over {@code sequenceGroup} (Ulysses sequence parallel; null: not
     * split). Every rank of the group passes the same inputs and gets the whole output: the patch embedding runs
     * whole, each rank keeps its shard of the tokens (and of the rotary tables, so positions stay real), the blocks
     * run on shards, and the projected tokens are gathered before unpatchifying.
     *
     * @throws dev.reel.core.ReelException when the group's size does not divide the attention heads
     */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Communicator sequenceGroup) {
        return forward(hiddenStates, timestep, encoderHiddenStates, null, sequenceGroup);
    }

    /** The image-to-video prediction ({@link #forward(Tensor, float[], Tensor, Tensor, DitHooks)}) split over {@code sequenceGroup}. */
    public Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage, Communicator sequenceGroup) {
        return forward(hiddenStates, timestep, encoderHiddenStates, encoderHiddenStatesImage, (x, cond, freqs, seq) -> {
            for (WanTransformerBlock block : blocks) {
                Tensor next;
                try (Scope blockScope = Scope.open()) {
                    next = blockScope.keep(block.forward(x, cond.text(), cond.image(), cond.timestepProj(), freqs, seq, DitHooks.NONE, 0));
                }
                x.free();   // the previous block's output is dead; free it now rather than at the end
                x = next;
            }
            return x;
        }, sequenceGroup);
    }

    /** How a forward pass runs its block stack on the patch-embedded tokens (this rank's shard under {@code seq}). */
    @FunctionalInterface
    private interface BlockStack {
        Tensor run(Tensor x, WanTimeTextImageEmbedding.Output cond, WanRotaryPosEmbed.Freqs freqs, SequenceParallel seq);
    }

    private Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage,
                           BlockStack stack, Communicator sequenceGroup) {
        return forward(hiddenStates, timestep, encoderHiddenStates, encoderHiddenStatesImage, stack, sequenceGroup, null);
    }

    /**
     * The forward, its block stack run by {@code stack}, the tokens split over {@code sequenceGroup} when given;
     * with {@code frameTimesteps} (then {@code timestep} is ignored) each latent frame's tokens have their own.
     */
    private Tensor forward(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage,
                           BlockStack stack, Communicator sequenceGroup, FrameTimesteps frameTimesteps) {
        if (sequenceGroup != null) new ParallelPlan(1, sequenceGroup.size()).checkHeads(config.numAttentionHeads());
        if (sequenceGroup != null && frameTimesteps != null) {
            throw new dev.reel.core.ReelException("per-frame timesteps (Wan2.2 TI2V image-to-video) do not run under sequence parallel yet");
        }
        int[] s = checkInputs(hiddenStates, frameTimesteps != null ? new float[] {0f} : timestep, encoderHiddenStates, encoderHiddenStatesImage);
        int batch = s[0], frames = s[2], height = s[3], width = s[4];
        float[] t = timestep.length == batch ? timestep : filled(batch, timestep[0]);
        int[] p = config.patchSize();
        int pf = frames / p[0], ph = height / p[1], pw = width / p[2];
        Backend b = hiddenStates.backend();
        DType dtype = dtype();

        try (Scope scope = Scope.open()) {
            SequenceParallel seq = SequenceParallel.over(sequenceGroup, pf * ph * pw);
            WanRotaryPosEmbed.Freqs whole = rope.forward(frames, height, width, b);
            WanRotaryPosEmbed.Freqs freqs = new WanRotaryPosEmbed.Freqs(seq.shard(whole.cos(), 0), seq.shard(whole.sin(), 0));
            Tensor x = seq.shard(patchEmbedding.forward(hiddenStates.to(dtype))  // [B, dim, pf, ph, pw]
                    .flatten(2, 4).transpose(1, 2).contiguous(), 1);              // [B, L (this rank's shard), dim]
            Tensor image = encoderHiddenStatesImage == null ? null : encoderHiddenStatesImage.to(dtype);
            var cond = frameTimesteps == null ? conditionEmbedder.forward(t, encoderHiddenStates.to(dtype), image)
                    : conditionEmbedder.forward(frameTimesteps, encoderHiddenStates.to(dtype));

            x = stack.run(x, cond, freqs, seq);

            // output norm modulated by (shift, scale) = scale_shift_table + temb: 2 × [B, 1, dim] or per frame [B, F, 1, dim], fp32
            Tensor table = scaleShiftTable.get().to(DType.F32);
            Tensor[] shiftScale = frameTimesteps == null ? table.add(cond.temb().unsqueeze(1).to(DType.F32)).chunk(2, 1)
                    : table.unsqueeze(0).add(cond.temb().unsqueeze(2).to(DType.F32)).chunk(2, 2);
            x = FrameModulation.modulate(normOut.forward(x), shiftScale[0], shiftScale[1]);
            x = seq.gather(projOut.forward(x), 1);                              // [B, L, pt·ph·pw·Cout]

            // unpatchify: [B, pf, ph, pw, pt, phs, pws, C] → [B, C, pf, pt, ph, phs, pw, pws] → [B, C, T, H, W]
            Tensor out = x.reshape(batch, pf, ph, pw, p[0], p[1], p[2], config.outChannels())
                    .permute(0, 7, 1, 4, 2, 5, 3, 6)
                    .reshape(batch, config.outChannels(), frames, height, width);
            return scope.keep(out);
        }
    }

    /** Every block in order on {@code x} (which is left alive); each block's input but {@code x} is freed once used. */
    private Tensor runBlocks(Tensor x, WanTimeTextImageEmbedding.Output cond, WanRotaryPosEmbed.Freqs freqs, DitHooks hooks) {
        Tensor h = x;
        for (int i = 0; i < blocks.size(); i++) {
            Tensor next;
            if (blockWeights != null) blockWeights.acquire(i);
            try (Scope blockScope = Scope.open()) {
                next = blockScope.keep(blocks.get(i).forward(h, cond.text(), cond.image(), cond.timestepProj(), freqs, SequenceParallel.LOCAL, hooks, i));
            }
            if (blockWeights != null) blockWeights.release(i);
            if (h != x) h.free();   // the previous block's output is dead; free it now rather than at the end
            h = next;
        }
        return h;
    }

    private int[] checkInputs(Tensor hiddenStates, float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage) {
        int[] s = hiddenStates.shape();
        int[] p = config.patchSize();
        if (s.length != 5 || s[1] != config.inChannels()) {
            throw new ShapeException("WanTransformer3DModel", "hidden_states must be [B, " + config.inChannels() + ", T, H, W], got " + ShapeException.fmt(s));
        }
        for (int a = 0; a < 3; a++) {
            if (s[2 + a] % p[a] != 0) {
                throw new ShapeException("WanTransformer3DModel", "hidden_states " + ShapeException.fmt(s) + ": dimension " + "THW".charAt(a) + " is not divisible by patch size " + Arrays.toString(p));
            }
        }
        int[] e = encoderHiddenStates.shape();
        if (e.length != 3 || e[0] != s[0] || e[2] != config.textDim()) {
            throw new ShapeException("WanTransformer3DModel", "encoder_hidden_states must be [" + s[0] + ", Ltext, " + config.textDim() + "], got " + ShapeException.fmt(e));
        }
        int n = config.imagesPerSample();
        if (encoderHiddenStatesImage == null && n > 0) {
            throw new ShapeException("WanTransformer3DModel", "this image-to-video model needs encoder_hidden_states_image [" + s[0] * n + ", N, " + config.imageDim() + "] (the image encoder's states)");
        }
        if (encoderHiddenStatesImage != null) {
            int[] im = encoderHiddenStatesImage.shape();
            if (n == 0) throw new ShapeException("WanTransformer3DModel", "encoder_hidden_states_image given, but this model has no image branch (image_dim is not set)");
            if (im.length != 3 || im[0] != s[0] * n || im[2] != config.imageDim()) {
                throw new ShapeException("WanTransformer3DModel", "encoder_hidden_states_image must be [" + s[0] * n + ", N, " + config.imageDim() + "] ("
                        + n + " image(s) per sample), got " + ShapeException.fmt(im));
            }
        }
        if (timestep.length != s[0] && timestep.length != 1) {
            throw new ShapeException("WanTransformer3DModel", "timestep has " + timestep.length + " values for batch " + s[0] + "; give one per batch element or one for all");
        }
        return s;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
