package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.train.optim.AdamW;
import dev.reel.train.optim.LrSchedule;
import dev.reel.models.loader.PipelineFolder;
import dev.reel.models.lora.LoraAdapters;
import dev.reel.models.lora.LoraConfig;
import dev.reel.train.optim.TrainableParameter;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.pipeline.ModelProfile;
import dev.reel.train.data.Preprocessor;
import dev.reel.train.trainer.BatchSource;
import dev.reel.train.trainer.LossLog;
import dev.reel.train.trainer.ParquetBatches;
import dev.reel.train.trainer.PipelineExport;
import dev.reel.train.trainer.SigmaSampling;
import dev.reel.train.trainer.TensorFileBatches;
import dev.reel.train.trainer.TrainedTextEncoder;
import dev.reel.train.trainer.TrainOptions;
import dev.reel.train.trainer.Trainer;
import dev.reel.train.trainer.TrainingCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reel train}: full fine-tuning of a Wan transformer with the flow-matching objective (AdamW on fp32 master
 * weights, per-block activation checkpointing). Writes {@code OUTPUT/checkpoint-NNNNNN/} folders in the Diffusers
 * layout ({@code reel generate --model} loads them; {@code --resume} continues from one exactly), {@code loss.csv}
 * and {@code loss.png}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Fine-tune a Wan transformer (flow matching).")
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "Diffusers pipeline folder (with transformer/) or a transformer folder.")
    Path model;

    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE",
            description = {"Training data: Parquet files written by reel preprocess (comma-separated; --model must then be the pipeline folder",
                    "they were encoded with), or one safetensors file with normalised latents [N, C, T, H, W], text [N, L, D] and optionally empty_text [1, L, D]."})
    List<Path> data;

    @Option(names = "--output", required = true, description = "Folder for checkpoints, loss.csv and loss.png.")
    Path output;

    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps in all. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--batch-size", defaultValue = "1", description = "Samples per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--lr-schedule", defaultValue = "constant", description = "constant or cosine (after warm-up). Default: ${DEFAULT-VALUE}.")
    String lrSchedule;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Linear warm-up steps. Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Global gradient-norm clipping (0: off). Default: ${DEFAULT-VALUE}.")
    float maxGradNorm;

    @Option(names = "--no-gradient-checkpointing", description = "Keep every block's activations (faster, much more memory).")
    boolean noCheckpointing;

    @Option(names = "--seed", defaultValue = "0", description = "Seeds batches, noise, sigma and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--sigma-sampling", defaultValue = "uniform", description = "uniform or logit-normal. Default: ${DEFAULT-VALUE}.")
    String sigmaSampling;

    @Option(names = "--logit-mean", defaultValue = "0", description = "Logit-normal mean. Default: ${DEFAULT-VALUE}.")
    double logitMean;

    @Option(names = "--logit-std", defaultValue = "1", description = "Logit-normal std. Default: ${DEFAULT-VALUE}.")
    double logitStd;

    @Option(names = "--flow-shift", defaultValue = "1.0", description = "Shift applied to sampled sigmas (Wan's schedulers use 3.0 at 480p). Default: ${DEFAULT-VALUE}.")
    double flowShift;

    @Option(names = "--text-dropout", defaultValue = "0.1", description = "Probability of training on the empty prompt (for CFG). Default: ${DEFAULT-VALUE}.")
    float textDropout;

    @Option(names = "--ema-decay", defaultValue = "0", description = "EMA of the weights (0: off). Default: ${DEFAULT-VALUE}.")
    float emaDecay;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Save a resumable checkpoint every N steps (0: only at the end). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--validate-every", defaultValue = "0", description = "Every N steps, save a checkpoint and sample OUTPUT/validation-NNNNNN.mp4 from it (0: never). Default: ${DEFAULT-VALUE}.")
    int validateEvery;

    @Option(names = "--prompt", description = "The validation videos' prompt (needed with --validate-every).")
    String prompt;

    @Option(names = "--validation-frames", defaultValue = "17", description = "Validation video frames (4k+1). Default: ${DEFAULT-VALUE}.")
    int validationFrames;

    @Option(names = "--validation-height", defaultValue = "256", description = "Validation video height. Default: ${DEFAULT-VALUE}.")
    int validationHeight;

    @Option(names = "--validation-width", defaultValue = "256", description = "Validation video width. Default: ${DEFAULT-VALUE}.")
    int validationWidth;

    @Option(names = "--validation-steps", defaultValue = "20", description = "Validation denoising steps. Default: ${DEFAULT-VALUE}.")
    int validationSteps;

    @Option(names = "--lora-rank", defaultValue = "0", paramLabel = "R",
            description = "Train LoRA adapters of rank R instead of the whole transformer (0: full fine-tune); each checkpoint then also holds "
                    + LORA_FILE + " (Diffusers/PEFT keys, what reel generate --lora loads). Default: ${DEFAULT-VALUE}.")
    int loraRank;

    @Option(names = "--lora-alpha", paramLabel = "ALPHA", description = "PEFT's lora_alpha (scale alpha/R). Default: the rank.")
    Float loraAlpha;

    @Option(names = "--lora-targets", defaultValue = "to_q,to_k,to_v,to_out.0,ffn", paramLabel = "NAMES",
            description = "Comma-separated linears the adapters go on. Default: ${DEFAULT-VALUE}.")
    String loraTargets;

    @Option(names = "--train-text-encoder",
            description = {"Train the pipeline's UMT5 text encoder with the transformer (full fine-tune of both): each step encodes its captions",
                    "(from the Parquet rows) under the tape instead of reading the stored text embeddings. Checkpoints and --export then hold it."})
    boolean trainTextEncoder;

    @Option(names = "--time-limit", defaultValue = "0", paramLabel = "SECONDS",
            description = "Stop after the step that passes this much training time and save as at the end (0: no limit). Default: ${DEFAULT-VALUE}.")
    double timeLimit;

    @Option(names = "--export", paramLabel = "DIR",
            description = "At the end, also write the model as a self-contained pipeline folder (components copied, no training state; the EMA weights when --ema-decay is set).")
    Path export;

    @Option(names = "--export-dtype", defaultValue = "bf16", description = "Dtype of the exported transformer weights: fp32 or bf16. Default: ${DEFAULT-VALUE}.")
    String exportDtype;

    @Option(names = "--resume", description = "A checkpoint folder of an earlier run to continue from.")
    Path resume;

    @Mixin ProfileOptions profile;

    @Option(names = "--device", description = "cpu, cuda or cuda:N (default: cuda when available, else cpu).")
    String device;

    @Option(names = "--dtype", description = "Weights and activations: fp32 or bf16 (default: fp32 on cpu, bf16 on cuda).")
    String dtype;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Djl.configure(dev.reel.core.SystemOptions.defaults());   // prompts are tokenized (the empty one, validation videos)
        Path transformer = Files.exists(model.resolve("transformer/config.json")) ? model.resolve("transformer") : model;
        if (!Files.exists(transformer.resolve("config.json"))) {
            throw new ReelException("--model " + model + " has neither transformer/config.json nor config.json");
        }
        Path pipeline = transformer.equals(model) ? null : model;
        if (validateEvery < 0) throw new ReelException("--validate-every must be >= 0, got " + validateEvery);
        if (validateEvery > 0 && (prompt == null || prompt.isBlank())) throw new ReelException("--validate-every needs --prompt");
        if (validateEvery > 0 && (pipeline == null || !Files.exists(pipeline.resolve("model_index.json")))) {
            throw new ReelException("--validate-every samples videos, so --model must be a whole pipeline folder (with model_index.json), not " + model);
        }
        Device dev = device == null ? Backends.preferred(msg -> out.println("reel: " + msg)) : Device.parse(device);
        DType dt = dtype != null ? DType.parse(dtype) : dev.type() == Device.Type.CPU ? DType.F32 : DType.BF16;
        TrainOptions options = new TrainOptions(steps, new LrSchedule(LrSchedule.parseKind(lrSchedule), lr, warmupSteps, steps), weightDecay,
                maxGradNorm, !noCheckpointing, seed, new SigmaSampling(SigmaSampling.parseKind(sigmaSampling), logitMean, logitStd, flowShift),
                textDropout, emaDecay, checkpointEvery, false);
        Backend backend = Backends.of(dev);
        BatchSource batches = batches(pipeline, out);
        WanTransformer3DModel m = WanTransformer3DModel.load(transformer, dt, backend);
        if (export != null) PipelineFolder.requireNew(export);
        DType exportType = DType.parse(exportDtype);
        LoraAdapters lora = loraRank > 0 ? LoraAdapters.create(m, new LoraConfig(loraRank, loraAlpha != null ? loraAlpha : loraRank,
                LoraConfig.parseTargets(loraTargets)), seed, dt, backend) : null;
        List<TrainableParameter> trained = new ArrayList<>();
        if (lora == null) trained.addAll(Trainer.allParameters(m));
        else lora.trainableParameters().forEach((k, p) -> trained.add(new TrainableParameter(k, p)));
        TrainedTextEncoder textEncoder = null;
        if (trainTextEncoder) {
            if (lora != null) throw new ReelException("--train-text-encoder trains the whole encoder; it does not go with --lora-rank " + loraRank);
            if (textLength == 0) throw new ReelException("--train-text-encoder encodes the rows' captions, so --data must be Parquet files from reel preprocess");
            textEncoder = TrainedTextEncoder.load(pipeline, dt, textLength, backend);
            trained.addAll(textEncoder.parameters());
        }
        Trainer trainer = new Trainer(m, trained, new AdamW(0.9f, 0.999f, 1e-8f, weightDecay), options, batches, backend, textEncoder);
        int start = resume == null ? 0 : TrainingCheckpoint.restore(resume, trainer, backend);
        out.printf(Locale.ROOT, "train: %s (%,d parameters, %s on %s), %d samples, steps %d..%d, batch %d%n",
                transformer, m.parameterCount(), DeviceOptions.name(dt), dev, rows, start + 1, steps, batchSize);
        if (textEncoder != null) out.printf(Locale.ROOT, "text encoder %s trained too (%,d parameters)%n", textEncoder.folder(), textEncoder.parameterCount());
        if (lora != null) out.printf(Locale.ROOT, "LoRA rank %d on %d linears (%,d trained parameters)%n", loraRank, lora.adapters().size(), lora.parameterCount());
        LossLog log = new LossLog(output, start);
        long t0 = System.nanoTime();
        Path last = null;
        for (int s = start; s < steps; s++) {
            profile.before(s, start);
            Trainer.StepResult r = trainer.step(s);
            profile.after(s, start, out);
            log.add(r);
            double secs = (System.nanoTime() - t0) / 1e9, rate = (s + 1 - start) / secs;
            out.println(ProgressPrinter.trainingStep(s + 1, steps, r.loss(), r.lr(), rate));
            out.flush();
            boolean validate = validateEvery > 0 && (s + 1) % validateEvery == 0;
            boolean due = checkpointEvery > 0 && (s + 1) % checkpointEvery == 0;
            boolean timeUp = timeLimit > 0 && secs >= timeLimit && s + 1 < steps;
            if (due || validate || timeUp || s + 1 == steps) {
                last = TrainingCheckpoint.save(output.resolve(String.format(Locale.ROOT, "checkpoint-%06d", s + 1)), trainer, s + 1, pipeline,
                        transformer.resolve("config.json"));
                if (lora != null) lora.save(last.resolve(LORA_FILE));
                out.println("saved " + last);
            }
            if (validate) validate(out, last, output.resolve(String.format(Locale.ROOT, "validation-%06d.mp4", s + 1)), dev, dt);
            if (timeUp) {
                out.printf(Locale.ROOT, "time limit %.0f s reached after step %d of %d%n", timeLimit, s + 1, steps);
                break;
            }
        }
        profile.finish(out);   // a run shorter than the profile (a time limit) still reports it
        if (batches instanceof AutoCloseable c) closeQuietly(c);
        if (export != null && last != null) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            Map<String, Tensor> teWeights = null;
            if (lora != null) lora.merge();   // the export is the tuned model: adapters folded into the weights
            if (lora == null && trainer.ema() != null) {
                trainer.ema().weights().forEach((k, t) -> { if (!k.startsWith(TrainedTextEncoder.PREFIX)) weights.put(k, t); });
                if (textEncoder != null) teWeights = TrainedTextEncoder.own(trainer.ema().weights());
            } else {
                m.namedParameters().forEach((k, p) -> weights.put(k, p.get()));
                if (textEncoder != null) teWeights = textEncoder.weights();
            }
            PipelineExport.write(last, export, weights, exportType, teWeights);
            out.println("exported " + export + (lora != null ? " (LoRA merged, " : trainer.ema() != null ? " (EMA weights, " : " (") + DeviceOptions.name(exportType) + ")");
        }
        log.plot(output.resolve("loss.png"));
        out.println("wrote " + output.resolve("loss.csv") + " and " + output.resolve("loss.png") + (last == null ? "" : "; last checkpoint " + last));
        return 0;
    }

    /** The LoRA file's name in a checkpoint: Diffusers' {@code save_lora_weights} name. */
    static final String LORA_FILE = "pytorch_lora_weights.safetensors";

    private long rows;
    /** The pipeline's text length when the data is Parquet (0 for a safetensors file). */
    private int textLength;

    /** The data source: Parquet rows normalised with the pipeline's VAE statistics, or a safetensors file. */
    private BatchSource batches(Path pipeline, PrintWriter out) {
        boolean parquet = data.stream().allMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        if (!parquet) {
            if (data.size() != 1) throw new ReelException("--data: give Parquet files (*.parquet) or a single safetensors file, got " + data);
            TensorFileBatches t = TensorFileBatches.open(data.getFirst(), batchSize, seed);
            rows = t.rows();
            return t;
        }
        if (pipeline == null || !Files.exists(pipeline.resolve("model_index.json"))) {
            throw new ReelException("--data is Parquet, so --model must be the pipeline folder (with model_index.json) whose VAE and text encoder encoded it, not " + model);
        }
        ModelProfile profile = ModelProfile.read(pipeline);
        textLength = profile.defaults().maxSequenceLength();
        float[] empty;
        WanVaeConfig vae = WanVaeConfig.fromConfig(dev.reel.models.nn.ConfigJson.read(pipeline.resolve("vae/config.json")));
        try (Preprocessor p = Preprocessor.load(pipeline, DType.F32, Backends.cpu())) {
            empty = p.textStates("", textLength);
        }
        ParquetBatches b = new ParquetBatches(data, batchSize, seed, textLength, vae, empty);
        rows = b.rows();
        out.printf(Locale.ROOT, "data: %,d rows in %d Parquet file(s), text length %d, latents normalised with %s's statistics%n", rows, data.size(),
                textLength, pipeline.resolve("vae"));
        return b;
    }

    private static void closeQuietly(AutoCloseable c) {
        try { c.close(); } catch (Exception ignored) { /* read-only data */ }
    }

    /** Samples the validation video from the checkpoint folder just written (seed 0, so videos compare across steps). */
    private void validate(PrintWriter out, Path checkpoint, Path mp4, Device dev, DType dt) {
        GeneratorOptions options = GeneratorOptions.defaults().withDevice(dev).withDtype(dt);
        try (VideoGenerator gen = VideoGenerator.fromPretrained(checkpoint, options)) {
            GenerationRequest request = gen.requestBuilder(prompt).output(mp4).seed(0L).numFrames(validationFrames)
                    .size(validationHeight, validationWidth).numInferenceSteps(validationSteps).build();
            gen.generate(request);
        } catch (InvalidRequestException e) {
            throw new ReelException("invalid validation video settings (--validation-*): " + e.getMessage());
        }
        out.println("validation video " + mp4);
    }
}
