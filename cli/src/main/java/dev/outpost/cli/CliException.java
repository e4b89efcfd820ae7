package dev.outpost.cli;

/**
 * A failure the user can fix (a wrong path, a file of the wrong kind): printed as one message with a
 * hint, without a stack trace, and the command exits with status 1.
 */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
