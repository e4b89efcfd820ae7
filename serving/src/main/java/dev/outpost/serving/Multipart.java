package dev.outpost.serving;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the uploaded file in a {@code multipart/form-data} body (RFC 7578): the first part with a
 * file name, else the first part named {@code image} or {@code file}. Stateless.
 */
final class Multipart {

    private Multipart() {
    }

    /** The boundary of a {@code multipart/form-data} content type, if it is one. */
    static Optional<String> boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return Optional.empty();
        }
        for (String part : contentType.split(";")) {
            String trimmed = part.trim();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String value = trimmed.substring(9);
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() ? Optional.empty() : Optional.of(value);
            }
        }
        throw new ServingException(ServingException.Code.INVALID_REQUEST, "Content-Type " + contentType
                + " has no boundary parameter");
    }

    /**
     * The uploaded file's bytes.
     *
     * @throws ServingException INVALID_REQUEST when the body is not well-formed or holds no file
     */
    static byte[] file(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int start = indexOf(body, delimiter, 0);
        byte[] fallback = null;
        while (start >= 0) {
            int headersStart = start + delimiter.length;
            if (headersStart + 2 <= body.length && body[headersStart] == '-' && body[headersStart + 1] == '-') {
                break;
            }
            headersStart += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) {
                break;
            }
            int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), headersEnd + 4);
            if (next < 0) {
                break;
            }
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8)
                    .toLowerCase(Locale.ROOT);
            byte[] content = java.util.Arrays.copyOfRange(body, headersEnd + 4, next);
            if (headers.contains("filename=")) {
                return content;
            }
            if (fallback == null && (headers.contains("name=\"image\"") || headers.contains("name=\"file\""))) {
                fallback = content;
            }
            start = next + 2;
        }
        if (fallback != null) {
            return fallback;
        }
        throw new ServingException(ServingException.Code.INVALID_REQUEST, "The multipart/form-data body holds no "
                + "file part (a part with a filename, or named 'image' or 'file') with boundary '" + boundary + "'");
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
