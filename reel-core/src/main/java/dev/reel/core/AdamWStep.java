package dev.reel.core;

/**
 * The scalars of one AdamW update ({@code torch.optim.AdamW}) for {@link Backend#adamw}, with the bias corrections of
 * step t folded in: {@code p ← p·decay − stepSize · m / (√v / bc2Sqrt + eps)} after {@code m ← β1·m + (1−β1)·g} and
 * {@code v ← β2·v + (1−β2)·g²}, where {@code g} is the gradient times {@code gradScale} (rounded once to fp32, as a
 * separate scaling of the gradient would be): global-norm clipping's coefficient, read once per step instead of
 * rewriting every gradient.
 *
 * @param beta1    first-moment decay β1
 * @param beta2    second-moment decay β2
 * @param eps      added to the denominator
 * @param decay    {@code 1 − lr·weight_decay} (decoupled weight decay)
 * @param stepSize {@code lr / (1 − β1ᵗ)}
 * @param bc2Sqrt  {@code √(1 − β2ᵗ)}
 * @param gradScale multiplies the gradient first (1: the gradient as it is)
 */
public record AdamWStep(float beta1, float beta2, float eps, float decay, float stepSize, float bc2Sqrt, float gradScale) {
    /** True when a backend's single pass applies: all four tensors contiguous fp32 of the parameter's size. */
    public static boolean onePass(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq) {
        for (Tensor t : new Tensor[] {param, grad, expAvg, expAvgSq}) {
            if (t.dtype() != DType.F32 || !t.isContiguous() || t.numel() != param.numel()) return false;
        }
        return true;
    }
}
