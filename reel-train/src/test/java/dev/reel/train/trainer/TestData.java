package dev.reel.train.trainer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds {@code testdata/} walking up from the working directory. */
public final class TestData {
    private TestData() {}

    public static Path path(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("testdata").resolve(relative);
            if (Files.exists(p)) return p;
        }
        throw new IllegalStateException("testdata/" + relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
