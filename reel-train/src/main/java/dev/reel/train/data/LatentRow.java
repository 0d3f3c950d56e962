package dev.reel.train.data;

import com.jerolba.carpet.annotation.Alias;
import com.jerolba.carpet.annotation.NotNull;
import java.util.List;
import org.apache.parquet.io.api.Binary;

/**
 * One training example as a Parquet row, column names as FastVideo's preprocessed datasets use them: the
 * clip's VAE latent (the encoder's mean, before the latent normalisation) and its caption's text embedding
 * (the encoder's last hidden state of the caption's tokens, without padding), as little-endian bytes with
 * their shapes and dtypes.
 *
 * @param caption             the caption as given
 * @param fileName            the source video, as named in the input folder or CSV
 * @param fps                 frames per second of the sampled clip
 * @param numFrames           frames of the sampled clip (4k+1)
 * @param height              pixel height the clip was cropped to
 * @param width               pixel width the clip was cropped to
 * @param latentBytes         the latent {@code [C, T, H, W]}
 * @param latentShape         its shape
 * @param latentDtype         its dtype name ({@code float32}, {@code bfloat16})
 * @param textEmbeddingBytes  the caption's embedding {@code [L, D]} (L = its token count)
 * @param textEmbeddingShape  its shape
 * @param textEmbeddingDtype  its dtype name
 * @param textLength          L, the number of real (unpadded) tokens; the pipeline pads with zeros past it
 */
public record LatentRow(
        @NotNull String caption,
        @NotNull @Alias("file_name") String fileName,
        double fps,
        @Alias("num_frames") int numFrames,
        int height,
        int width,
        @NotNull @Alias("vae_latent_bytes") Binary latentBytes,
        @NotNull @Alias("vae_latent_shape") List<Integer> latentShape,
        @NotNull @Alias("vae_latent_dtype") String latentDtype,
        @NotNull @Alias("text_embedding_bytes") Binary textEmbeddingBytes,
        @NotNull @Alias("text_embedding_shape") List<Integer> textEmbeddingShape,
        @NotNull @Alias("text_embedding_dtype") String textEmbeddingDtype,
        @Alias("text_length") int textLength) {
}
