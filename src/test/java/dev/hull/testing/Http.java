package dev.hull.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Both ends of the HTTP the network tests use: curl on the host, and a host server for the guest to reach. */
public final class Http {
    private Http() {
    }

    /** The body curl fetches from {@code url}, retried until the deadline (the VM may still be booting). */
    public static String curl(String url, Duration deadline) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            Process p = new ProcessBuilder("curl", "-s", "-m", "5", url).redirectErrorStream(true).start();
            last = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("curl " + url + " got nothing within " + deadline + ": " + last);
    }

    /** A server on {@code address} (any free port) answering every request with {@code body}; stop it. */
    public static HttpServer serve(String address, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", x -> {
            x.sendResponseHeaders(200, bytes.length);
            x.getResponseBody().write(bytes);
            x.close();
        });
        server.start();
        return server;
    }
}
