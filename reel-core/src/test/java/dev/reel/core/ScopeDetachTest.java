package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScopeDetachTest {
    @Test
    void detachedStorageSurvivesEveryOpenScope() {
        Tensor detached, scoped, kept;
        try (var outer = Scope.open()) {
            try (var inner = Scope.open()) {
                detached = Scope.detach(Backends.cpu().zeros(DType.F32, 4));
                kept = inner.keep(Scope.detach(Backends.cpu().zeros(DType.F32, 2)));
                scoped = Backends.cpu().zeros(DType.F32, 3);
            }
            assertTrue(scoped.storage().isFreed());
            assertFalse(detached.storage().isFreed());
        }
        assertFalse(detached.storage().isFreed());
        assertFalse(kept.storage().isFreed());
        detached.free();
        assertTrue(detached.storage().isFreed());
    }
}
