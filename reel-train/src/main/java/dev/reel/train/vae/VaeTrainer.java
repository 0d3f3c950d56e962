package dev.reel.train.vae;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.train.autograd.Gradients;
import dev.reel.train.autograd.Tape;
import dev.reel.train.optim.OptimizerStep;
import dev.reel.train.optim.LrSchedule;
import dev.reel.train.optim.Optimizer;
import dev.reel.train.optim.TrainableParameter;
import dev.reel.train.trainer.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trains a Wan VAE (encoder and decoder together, or the decoder alone) as a VAE: per step a batch of random clip windows, the
 * posterior {@code q(z|x) = N(mean, exp(logvar))} from the encoder, a reparameterised sample
 * {@code z = mean + exp(logvar/2)·ε}, the decoder's reconstruction, and {@link VaeLoss}. The VAE runs chunk by
 * chunk exactly as at inference, so what it learns is what the pipeline runs. Everything a step draws depends only
 * on (seed, step).
 */
public final class VaeTrainer {
    /**
     * @param steps       optimizer steps in all
     * @param batchSize   clip windows per step
     * @param frames      frames per window (4k+1)
     * @param crop        side of the square each window is cropped to (a multiple of the VAE's spatial factor)
     * @param schedule    learning rate per step
     * @param maxGradNorm global-norm clipping ({@code <= 0}: off)
     * @param loss        the loss and its weights
     * @param seed        seeds windows and ε
     * @param imageEvery  every this many steps (0: never) the step trains on single frames instead, {@code batchSize ×
     *                    frames} of them (the same pixels): the first frame takes its own path through the causal VAE
     *                    (no temporal context), and video windows give it only one frame in {@code frames}; Wan's VAE
     *                    is trained on images and videos jointly for the same reason
     * @param decoderOnly train {@code post_quant_conv} and the decoder only: the encoder, and so every latent it makes
     *                    and their statistics, stay as they are, so a DiT trained on this VAE's latents stays valid
     *                    (the decoder fine-tune Stable Diffusion's VAE updates used)
     */
    public record Options(int steps, int batchSize, int frames, int crop, LrSchedule schedule, float maxGradNorm, VaeLoss loss, long seed,
                          int imageEvery, boolean decoderOnly) {
        public Options {
            if (imageEvery < 0) throw new ReelException("--image-every must be >= 0, got " + imageEvery);
            if (steps <= 0) throw new ReelException("--steps must be > 0, got " + steps);
            if (batchSize <= 0) throw new ReelException("--batch-size must be > 0, got " + batchSize);
            if (frames < 1 || (frames - 1) % 4 != 0) throw new ReelException("--frames must be 4k+1 (1, 5, 9, …), got " + frames);
            if (crop < 8 || crop % 8 != 0) throw new ReelException("--crop must be a multiple of 8 (the VAE's spatial factor), got " + crop);
        }
    }

    private final AutoencoderKLWan vae;
    private final List<TrainableParameter> params = new ArrayList<>();
    /** Of {@link #params}, those the optimizer updates (all, or the decoder's with {@link Options#decoderOnly}). */
    private final List<TrainableParameter> trained = new ArrayList<>();
    private final Optimizer optimizer;
    private final Options options;
    private final VaeClips clips;
    private final Backend backend;

    public VaeTrainer(AutoencoderKLWan vae, Optimizer optimizer, Options options, VaeClips clips, Backend backend) {
        this.vae = vae;
        this.optimizer = optimizer;
        this.options = options;
        this.clips = clips;
        this.backend = backend;
        vae.namedParameters().forEach((k, p) -> params.add(new TrainableParameter(k, p)));
        for (TrainableParameter p : params) if (!options.decoderOnly() || isDecoder(p.name())) trained.add(p);
    }

    /** The parameters after the latent: what {@link Options#decoderOnly} trains (Diffusers' key names). */
    static boolean isDecoder(String name) { return name.startsWith("decoder.") || name.startsWith("post_quant_conv."); }

    /** Every VAE parameter, in checkpoint order (their fp32 masters are what gets saved), trained or frozen. */
    public List<TrainableParameter> parameters() { return params; }

    /** How many of the parameters' values the optimizer updates. */
    public long trainedValues() {
        long n = 0;
        for (TrainableParameter p : trained) n += p.value().numel();
        return n;
    }

    /** Runs step {@code step} (0-based) and reports its whole loss. */
    public Trainer.StepResult step(int step) {
        Random rnd = new Random(options.seed() * 0x9E3779B97F4A7C15L + step);
        Gradients grads = new Gradients();
        try (Scope scope = Scope.open()) {
            boolean images = options.imageEvery() > 0 && step % options.imageEvery() == options.imageEvery() - 1;
            Tensor x = images ? clips.batch(rnd, options.batchSize() * options.frames(), 1, options.crop(), backend)
                    : clips.batch(rnd, options.batchSize(), options.frames(), options.crop(), backend);
            List<Tensor> leaves = new ArrayList<>(trained.size());
            for (TrainableParameter p : trained) leaves.add(p.value());   // a frozen encoder records no backward
            float loss;
            try (Tape tape = Tape.open(grads, leaves)) {
                int[] zShape = latentShape(x);
                float[] eps = new float[Math.toIntExact(Tensor.numel(zShape))];
                for (int i = 0; i < eps.length; i++) eps[i] = (float) rnd.nextGaussian();
                Tensor l = options.loss().of(vae, x, backend.fromFloats(eps, DType.F32, zShape));
                loss = l.item();
                tape.backward(l);
            }
            float lr = options.schedule().at(step);
            float norm = OptimizerStep.apply(trained, grads, optimizer, options.maxGradNorm(), lr);
            return new Trainer.StepResult(step, loss, lr, norm);
        } finally {
            grads.clear();
        }
    }

    /** The latent shape the encoder makes of {@code x} {@code [B, 3, T, H, W]}: {@link VideoGeometry}'s, batch B. */
    private int[] latentShape(Tensor x) {
        int[] shape = VideoGeometry.ofVae(vae.config()).latentShape(x.size(2), x.size(3), x.size(4));
        shape[0] = x.size(0);
        return shape;
    }

    /**
     * Per-channel mean and standard deviation of the encoder's posterior means over up to {@code clipsToUse} whole
     * clips: the {@code latents_mean} / {@code latents_std} a Wan VAE config carries, which the pipeline uses to
     * normalise latents for the denoiser. Returns {@code {mean, std}}.
     */
    public float[][] latentStatistics(int clipsToUse) {
        int z = vae.config().zDim();
        double[] sum = new double[z], sq = new double[z];
        long count = 0;
        int n = Math.min(clipsToUse, clips.size());
        for (int i = 0; i < n; i++) {
            try (Scope scope = Scope.open()) {
                Tensor m = vae.encode(clips.clip(i, backend)).mean();   // [1, z, T, h, w]
                float[] v = backend.cast(m, DType.F32).toFloatArray();
                int per = v.length / z;
                for (int c = 0; c < z; c++) {
                    for (int k = 0; k < per; k++) {
                        double a = v[c * per + k];
                        sum[c] += a;
                        sq[c] += a * a;
                    }
                }
                count += per;
            }
        }
        float[] mean = new float[z], std = new float[z];
        for (int c = 0; c < z; c++) {
            double mu = sum[c] / count;
            mean[c] = (float) mu;
            std[c] = (float) Math.sqrt(Math.max(1e-12, sq[c] / count - mu * mu));
        }
        return new float[][] {mean, std};
    }
}
