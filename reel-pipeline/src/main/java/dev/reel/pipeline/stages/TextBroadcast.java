package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;

/**
 * Stage 2 of a parallel plan, on every rank after rank 0's {@link TextEncoding}: the text encoder runs once, on rank
 * 0, and its embeddings (prompt, and negative prompt with guidance) reach the other ranks by one broadcast over the
 * whole group. Every rank knows the shape from the request ({@code [1 or 2, maxSequenceLength, textDim]}).
 */
public final class TextBroadcast implements Stage {
    private final Communicator world;
    private final int textDim;
    private final DType dtype;
    private final Backend backend;

    /**
     * @param textDim the text encoder's width (the transformer's {@code text_dim})
     * @param dtype   the dtype the transformer consumes the embeddings in
     */
    public TextBroadcast(Communicator world, int textDim, DType dtype, Backend backend) {
        this.world = world;
        this.textDim = textDim;
        this.dtype = dtype;
        this.backend = backend;
    }

    @Override public String name() { return "TextBroadcast"; }

    @Override public void run(PipelineState state) {
        int prompts = state.doClassifierFreeGuidance() ? 2 : 1;
        int length = state.request().maxSequenceLength();
        Tensor embeds;
        try (Scope scope = Scope.open()) {
            Tensor mine = world.rank() == 0
                    ? (prompts == 2 ? backend.concat(0, state.promptEmbeds, state.negativePromptEmbeds) : state.promptEmbeds)
                    : backend.empty(dtype, prompts, length, textDim);
            embeds = scope.keep(world.broadcast(mine, 0));                     // [prompts, L, textDim]
        }
        state.promptEmbeds = embeds.narrow(0, 0, 1);
        state.negativePromptEmbeds = prompts == 2 ? embeds.narrow(0, 1, 1) : null;
    }
}
