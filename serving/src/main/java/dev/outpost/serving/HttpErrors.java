package dev.outpost.serving;

/** The one place where serving error codes become HTTP statuses. Stateless. */
final class HttpErrors {

    /** Seconds a client should wait before retrying after a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    private HttpErrors() {
    }

    static int status(ServingException.Code code) {
        return switch (code) {
            case MODEL_NOT_FOUND -> 404;
            case INVALID_REQUEST, INVALID_REPOSITORY -> 400;
            case PAYLOAD_TOO_LARGE -> 413;
            case QUEUE_FULL, SHUTTING_DOWN, MODEL_NOT_READY -> 503;
            case TIMEOUT -> 504;
            case INFERENCE_FAILED -> 500;
            case UNREACHABLE -> 502;
        };
    }

    /** True when the answer carries {@code Retry-After}. */
    static boolean retryable(ServingException.Code code) {
        return status(code) == 503;
    }
}
