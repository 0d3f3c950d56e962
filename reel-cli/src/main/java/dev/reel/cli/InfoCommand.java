package dev.reel.cli;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code reel info}: the runtime, devices, and a tensor self-check. */
@Command(name = "info", description = "Show the runtime and run a tensor self-check.")
final class InfoCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.out.println("reel 0.1.0 on Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPU cores");
        var cpu = Backends.cpu();
        Tensor a = cpu.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        Tensor t = a.transpose(0, 1).contiguous();
        float[] v = t.toFloatArray();
        boolean ok = v[0] == 1 && v[1] == 4 && v[2] == 2 && v[5] == 6;
        System.out.println("tensor self-check (transpose + copy on cpu): " + (ok ? "ok" : "FAILED"));
        return ok ? 0 : 1;
    }
}
