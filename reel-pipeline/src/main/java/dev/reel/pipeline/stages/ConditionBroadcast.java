package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;
import dev.reel.pipeline.VideoGeometry;

/**
 * Image-to-video under a parallel plan, on every rank after rank 0's {@link ImageConditioning}: the VAE lives on
 * rank 0 only, so it encodes the picture(s) once and the condition ({@code [1, r + z, T', h, w]} fp32: the frame
 * mask and the normalised latents) reaches the other ranks by one broadcast over the whole group. Every rank knows
 * the shape from the request and the geometry.
 */
public final class ConditionBroadcast implements Stage {
    private final Communicator world;
    private final VideoGeometry geometry;
    private final Backend backend;

    public ConditionBroadcast(Communicator world, VideoGeometry geometry, Backend backend) {
        this.world = world;
        this.geometry = geometry;
        this.backend = backend;
    }

    @Override public String name() { return "ConditionBroadcast"; }

    @Override public void run(PipelineState state) {
        var r = state.request();
        int[] shape = geometry.latentShape(r.numFrames(), r.height(), r.width());   // [1, z, T', h, w]
        shape[1] += geometry.temporalFactor();                                       // the mask's r channels first
        try (Scope scope = Scope.open()) {
            Tensor mine = world.rank() == 0 ? state.condition : backend.empty(DType.F32, shape);
            state.condition = scope.keep(world.broadcast(mine, 0));
        }
    }
}
