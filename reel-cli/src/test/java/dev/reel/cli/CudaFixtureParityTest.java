package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;
import dev.reel.core.fixtures.TestFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code reel parity} of the whole fixture set on the GPU in fp32: every case within the manifest's tolerances.
 * Tagged "gpu" (run with {@code ./mvnw -Pgpu verify}); skipped with a message where CUDA is absent.
 */
@Tag("gpu")
class CudaFixtureParityTest {
    @BeforeAll
    static void needsCuda() {
        String why = Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device, GPU fixture parity skipped: " + why);
    }

    @Test
    void everyCasePassesInFp32OnTheGpu() {
        // the command line itself (not GenerateCommandTest's helper, whose class needs FFmpeg, left out of GPU packs)
        CommandLine cl = ReelCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("parity", TestFixtures.locate().root().toString(), "--device", "cuda", "--dtype", "fp32");
        System.out.println(out);
        assertEquals(0, exit, out + "\n" + err);
        assertTrue(out.toString().contains("0 failed: PASS"), out.toString());
    }
}
