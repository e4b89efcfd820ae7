package dev.outpost.serving;

import io.grpc.Status;

/** The one place where serving error codes become gRPC statuses (the gRPC twin of {@link HttpErrors}). Stateless. */
final class GrpcErrors {

    private GrpcErrors() {
    }

    /** The status code for a serving error: a client's mistake is never INTERNAL. */
    static Status.Code code(ServingException.Code code) {
        return switch (code) {
            case MODEL_NOT_FOUND -> Status.Code.NOT_FOUND;
            case INVALID_REQUEST, INVALID_REPOSITORY -> Status.Code.INVALID_ARGUMENT;
            case PAYLOAD_TOO_LARGE, QUEUE_FULL -> Status.Code.RESOURCE_EXHAUSTED;
            case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
            case SHUTTING_DOWN, MODEL_NOT_READY, UNREACHABLE -> Status.Code.UNAVAILABLE;
            case INFERENCE_FAILED -> Status.Code.INTERNAL;
        };
    }

    /** The status for a serving error, with its message (naming what was expected and received). */
    static Status status(ServingException error) {
        return Status.fromCode(code(error.code())).withDescription(error.getMessage());
    }
}
