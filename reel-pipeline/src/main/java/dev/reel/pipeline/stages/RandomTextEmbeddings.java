package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.t5.T5Tokenizer;
import java.util.function.Function;

/**
 * A stand-in for the text encoder in benchmarks: seeded standard-normal {@code [B, L, dModel]} states instead of
 * running UMT5. The denoiser's cost does not depend on the embeddings' values, and the stand-in needs none of
 * UMT5-XXL's 23 GB of weights. The pipeline still tokenises, so the zero padding past each prompt's length is real.
 */
public final class RandomTextEmbeddings implements Function<T5Tokenizer.Encoding, Tensor> {
    private final int dModel;
    private final long seed;
    private final Backend backend;

    public RandomTextEmbeddings(int dModel, long seed, Backend backend) {
        this.dModel = dModel;
        this.seed = seed;
        this.backend = backend;
    }

    @Override public Tensor apply(T5Tokenizer.Encoding tokens) {
        int b = tokens.batch(), len = tokens.length();
        return backend.fromFloats(LatentPreparation.gaussian(seed, b * len * dModel), DType.F32, b, len, dModel);
    }
}
