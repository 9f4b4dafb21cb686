package dev.hull.ttrpc;

/**
 * gRPC's status codes, which ttrpc's responses carry (google.rpc.Status's code); each constant's
 * ordinal is its code.
 */
public enum Code {
    OK,
    CANCELLED,
    UNKNOWN,
    INVALID_ARGUMENT,
    DEADLINE_EXCEEDED,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    FAILED_PRECONDITION,
    ABORTED,
    OUT_OF_RANGE,
    UNIMPLEMENTED,
    INTERNAL,
    UNAVAILABLE,
    DATA_LOSS,
    UNAUTHENTICATED;

    public int value() {
        return ordinal();
    }

    /** The code of a number from the wire; one gRPC does not define is UNKNOWN, as gRPC reads it. */
    public static Code of(int value) {
        Code[] all = values();
        return value >= 0 && value < all.length ? all[value] : UNKNOWN;
    }
}
