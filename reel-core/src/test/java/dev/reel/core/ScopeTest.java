package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScopeTest {
    private final Backend cpu = Backends.cpu();

    @Test void closingFreesIntermediatesAndUseThrows() {
        Tensor outside = cpu.full(2f, DType.F32, 3);
        Tensor inner;
        try (Scope s = Scope.open()) {
            inner = outside.add(1f);
            Tensor view = inner.narrow(0, 1, 1);
            assertEquals(3f, view.item());
            assertEquals(1, s.ownedCount());
        }
        assertTrue(inner.storage().isFreed());
        assertFalse(outside.storage().isFreed());
        ReelException e = assertThrows(ReelException.class, inner::toFloatArray);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        assertThrows(ReelException.class, () -> inner.add(outside));
        assertThrows(ReelException.class, () -> outside.add(inner));
        assertEquals(2f, outside.toFloatArray()[0]);
    }

    @Test void keptTensorsSurviveAndMoveToTheEnclosingScope() {
        Tensor kept, outerTmp;
        try (Scope outer = Scope.open()) {
            outerTmp = cpu.zeros(DType.F32, 2);
            try (Scope inner = Scope.open()) {
                Tensor a = cpu.full(1f, DType.F32, 2);
                kept = inner.keep(a.mul(3f));
                assertEquals(2, inner.ownedCount());
                assertEquals(1, outer.ownedCount());
            }
            assertFalse(kept.storage().isFreed());
            assertEquals(3f, kept.toFloatArray()[1]);
            assertEquals(2, outer.ownedCount(), "the kept storage moved to the outer scope");
        }
        assertTrue(kept.storage().isFreed(), "not kept by the outer scope, so freed with it");
        assertTrue(outerTmp.storage().isFreed());
    }

    @Test void releaseFreesWhatAScopeOwnsAndLeavesWhatWasTakenOut() {
        Tensor outside = cpu.full(2f, DType.F32, 3);
        try (Scope s = Scope.open()) {
            Tensor owned = outside.add(1f), detached = Scope.detach(outside.add(2f));
            Scope.release(owned);
            Scope.release(detached);   // a tape or cache took it: not the scope's to free
            Scope.release(outside);    // made outside every scope
            assertTrue(owned.storage().isFreed());
            assertFalse(detached.storage().isFreed());
            assertFalse(outside.storage().isFreed());
            assertEquals(0, s.ownedCount());
        }
    }

    @Test void keptByEveryScopeBecomesUnscoped() {
        Tensor t;
        try (Scope a = Scope.open()) {
            try (Scope b = Scope.open()) {
                t = b.keep(cpu.full(5f, DType.F32, 1));
            }
            a.keep(t);
        }
        assertEquals(5f, t.item());
    }

    @Test void scopesCloseInnermostFirst() {
        Scope a = Scope.open();
        Scope b = Scope.open();
        assertThrows(IllegalStateException.class, a::close);
        b.close();
        a.close();
        a.close(); // idempotent
    }

    @Test void freeIsIdempotentAndExplicit() {
        Tensor t = cpu.zeros(DType.F32, 4);
        t.free();
        t.free();
        assertTrue(t.storage().isFreed());
        assertThrows(ReelException.class, () -> cpu.contiguous(t));
    }
}
