package dev.hull.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/** A reader that takes nothing until it is let go: what a manager that stopped reading looks like. */
final class StuckOutput {
    private StuckOutput() {
    }

    /** An output whose every write waits for {@code release}. */
    static OutputStream until(CountDownLatch release) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        };
    }
}
