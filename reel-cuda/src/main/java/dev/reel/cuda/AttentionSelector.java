package dev.reel.cuda;

import dev.reel.core.AttentionBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, once per backend, which kernel runs unbiased bf16/fp16 attention, as FastVideo's
 * {@code attention/selector.py} does: the {@link AttentionBackend} asked for in the system options, checked
 * against what the device can run, with the reason logged whenever the choice differs from the request.
 *
 * <ul>
 *   <li>{@code sdpa}: cuDNN 9's fused flash attention; needs libcudnn.so.9.</li>
 *   <li>{@code flash}: Reel's own kernel ({@code attention.cu}, tensor-core {@code mma.sync} for bf16/fp16); needs
 *       compute capability 8.0 or newer.</li>
 *   <li>{@code auto}: {@code sdpa} where cuDNN loads (the fastest on Hopper: 574 vs 247 TFLOP/s in BENCHMARKS.md),
 *       else {@code flash}.</li>
 * </ul>
 * The result is {@link AttentionBackend#SDPA} or {@link AttentionBackend#FLASH}. Per call, a problem the chosen
 * kernel cannot take (a bias, an unsupported head dim or layout) runs the next one down and finally the exact
 * path (cuBLASLt scores, fp32 softmax), which every device runs.
 */
final class AttentionSelector {
    private static final Logger LOG = LoggerFactory.getLogger(AttentionSelector.class);

    /** Lowest compute capability (major·10 + minor) Reel's flash kernel compiles and runs for. */
    static final int FLASH_MIN_CC = 80;

    private AttentionSelector() {}

    /** The device facts the choice depends on. */
    record Capabilities(String device, boolean cudnn, String cudnnFailure, int computeCapability) {
        boolean flash() { return computeCapability >= FLASH_MIN_CC; }

        static Capabilities of(CudaDevice dev) {
            boolean cudnn = dev.cudnn() != null;
            return new Capabilities(dev.device().toString(), cudnn, dev.cudnnFailure(), dev.computeCapability());
        }
    }

    /** Resolves {@code requested} on a device with {@code caps}; logs why when it cannot be honoured. */
    static AttentionBackend select(AttentionBackend requested, Capabilities caps) {
        AttentionBackend chosen = switch (requested) {
            case AUTO -> caps.cudnn() ? AttentionBackend.SDPA : AttentionBackend.FLASH;
            case SDPA -> {
                if (caps.cudnn()) yield AttentionBackend.SDPA;
                LOG.warn("attention backend sdpa was asked for on {}, but cuDNN is not usable ({}); using Reel's flash kernel", caps.device(), caps.cudnnFailure());
                yield AttentionBackend.FLASH;
            }
            case FLASH -> AttentionBackend.FLASH;
        };
        if (requested == AttentionBackend.AUTO && chosen == AttentionBackend.FLASH) {
            LOG.info("attention on {}: Reel's flash kernel, since cuDNN is not usable ({})", caps.device(), caps.cudnnFailure());
        }
        if (chosen == AttentionBackend.FLASH && !caps.flash()) {
            LOG.warn("attention on {}: Reel's flash kernel needs compute capability {}.{} or newer, the device has {}.{}; the exact path runs",
                    caps.device(), FLASH_MIN_CC / 10, FLASH_MIN_CC % 10, caps.computeCapability() / 10, caps.computeCapability() % 10);
        }
        LOG.debug("attention on {}: requested {}, chose {}", caps.device(), requested, chosen);
        return chosen;
    }
}
