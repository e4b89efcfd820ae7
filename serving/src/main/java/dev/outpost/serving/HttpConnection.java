package dev.outpost.serving;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One persistent HTTP/1.1 connection for a load generator: blocking writes and reads on the calling
 * thread, no hand-off to any other thread. That is the point of it. The JDK's {@code HttpClient}
 * and Helidon's {@code Http1Client} both add about 0.45 ms per loopback request on the 2-vCPU
 * development VM, more than the server overhead being measured; a load generator must not hide the
 * server behind its own cost (Triton's perf_analyzer likewise drives libcurl directly).
 *
 * <p>Speaks just what a load client needs: request bodies with Content-Length; responses framed by
 * Content-Length or chunked transfer coding; keep-alive, with one reconnect when a kept-alive
 * connection turns out to have been closed by the server before the request was answered.
 *
 * <p>Not thread-safe: one request at a time. Owns its socket; {@link #close()} is idempotent.
 */
final class HttpConnection implements AutoCloseable {

    /** Response headers above this size are refused (a broken or hostile peer). */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    /** A response: status, headers (lower-case names) and the whole body. */
    record Response(int status, Map<String, String> headers, byte[] body) {

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private boolean reused;

    HttpConnection(String host, int port, int timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Sends one request and reads the whole response.
     *
     * @param headers extra request headers (name, value pairs), besides Host and Content-Length
     * @param body the request body; null for none
     * @throws IOException when the server cannot be reached or breaks the connection
     */
    Response exchange(String method, String path, byte[] body, String... headers) throws IOException {
        byte[] head = head(method, path, body, headers);
        boolean wasReused = socket != null && reused;
        try {
            return attempt(head, body);
        } catch (IOException e) {
            closeSocket();
            if (!wasReused) {
                throw e;
            }
            // A kept-alive connection the server had already closed: once more on a new one.
            return attempt(head, body);
        }
    }

    private Response attempt(byte[] head, byte[] body) throws IOException {
        if (socket == null) {
            open();
        }
        out.write(head);
        if (body != null) {
            out.write(body);
        }
        out.flush();
        Response response = read();
        reused = true;
        if (response.header("connection").equalsIgnoreCase("close")) {
            closeSocket();
        }
        return response;
    }

    private byte[] head(String method, String path, byte[] body, String... headers) {
        StringBuilder text = new StringBuilder(160).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            text.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        text.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
        return text.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void open() throws IOException {
        Socket fresh = new Socket();
        try {
            fresh.setTcpNoDelay(true);
            fresh.connect(new InetSocketAddress(host, port), timeoutMillis);
            fresh.setSoTimeout(timeoutMillis);
        } catch (IOException e) {
            fresh.close();
            throw e;
        }
        socket = fresh;
        out = new BufferedOutputStream(fresh.getOutputStream(), 64 * 1024);
        in = new BufferedInputStream(fresh.getInputStream(), 64 * 1024);
        reused = false;
    }

    private Response read() throws IOException {
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("Expected an HTTP/1.x status line; received '" + statusLine + "'");
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("Expected a numeric status in '" + statusLine + "'", e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = statusLine.length();
        for (String line = line(); !line.isEmpty(); line = line()) {
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER_BYTES) {
                throw new IOException("Response headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        byte[] body;
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked();
        } else if (headers.containsKey("content-length")) {
            body = exactly(length(headers.get("content-length")));
        } else {
            body = in.readAllBytes();
            closeSocket();
        }
        return new Response(status, headers, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semicolon = size.indexOf(';');
            int count;
            try {
                count = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("Expected a hexadecimal chunk size; received '" + size + "'", e);
            }
            if (count == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: ignored
                }
                return all.toByteArray();
            }
            all.write(exactly(count));
            line();
        }
    }

    private static int length(String value) throws IOException {
        try {
            int length = Integer.parseInt(value.trim());
            if (length < 0) {
                throw new NumberFormatException("negative");
            }
            return length;
        } catch (NumberFormatException e) {
            throw new IOException("Expected a Content-Length byte count; received '" + value + "'", e);
        }
    }

    private byte[] exactly(int count) throws IOException {
        byte[] data = in.readNBytes(count);
        if (data.length < count) {
            throw new EOFException("The response body ended after " + data.length + " of " + count + " bytes");
        }
        return data;
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("The server closed the connection" + (line.isEmpty() ? "" : " mid-line"));
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_HEADER_BYTES) {
                throw new IOException("A response line exceeds " + MAX_HEADER_BYTES + " bytes");
            }
            line.append((char) c);
        }
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection: nothing more to do
            }
            socket = null;
        }
    }

    @Override
    public void close() {
        closeSocket();
    }

    @Override
    public String toString() {
        return "HttpConnection[" + host + ":" + port + (socket == null ? ", closed" : "") + "]";
    }
}
