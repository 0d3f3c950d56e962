package dev.reel.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ReelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoListTest {
    @TempDir Path dir;

    @Test
    void csvCaptionsMayHoldCommasAndQuotesAndFilesAreRelativeToTheCsv() throws Exception {
        Path csv = dir.resolve("sub/list.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, "file,caption,extra\nclips/a.mp4,\"a fox, red, \"\"quick\"\"\",x\nb.mp4,,y\n,orphan,z\n");
        VideoList l = VideoList.read(csv);
        assertEquals(List.of(new VideoList.Item("clips/a.mp4", dir.resolve("sub/clips/a.mp4").toAbsolutePath(), "a fox, red, \"quick\"")), l.items());
        assertEquals(2, l.skipped().size(), l.skipped().toString());
        assertTrue(l.skipped().get(0).startsWith("b.mp4: empty caption"), l.skipped().toString());
        Files.writeString(csv, "path,text\na.mp4,x\n");
        var e = assertThrows(ReelException.class, () -> VideoList.read(csv));
        assertTrue(e.getMessage().contains("must name the columns file and caption"), e.getMessage());
    }

    @Test
    void aFolderPairsEachVideoWithItsTxt() throws Exception {
        Files.writeString(dir.resolve("b.mp4"), "");
        Files.writeString(dir.resolve("b.txt"), "  second clip \n");
        Files.writeString(dir.resolve("a.MOV"), "");
        Files.writeString(dir.resolve("a.txt"), "first");
        Files.writeString(dir.resolve("c.webm"), "");
        Files.writeString(dir.resolve("notes.md"), "ignored");
        VideoList l = VideoList.read(dir);
        assertEquals(List.of("a.MOV", "b.mp4"), l.items().stream().map(VideoList.Item::name).toList());
        assertEquals("second clip", l.items().get(1).caption());
        assertEquals(List.of("c.webm: no caption (c.txt is missing)"), l.skipped());
        assertThrows(ReelException.class, () -> VideoList.read(dir.resolve("nope")));
    }
}
