package dev.hull.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

/** One method of a ttrpc service: the encoded request message in, the encoded response message out. */
@FunctionalInterface
public interface Method {
    byte[] call(byte[] request) throws TtrpcException;

    /** A method's logic on decoded messages. */
    @FunctionalInterface
    interface Typed<I extends MessageLite> {
        MessageLite call(I request) throws TtrpcException;
    }

    /** A method that decodes its request with the parser; a request that does not decode is INVALID_ARGUMENT. */
    static <I extends MessageLite> Method of(Parser<I> parser, Typed<I> logic) {
        return bytes -> {
            I request;
            try {
                request = parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new TtrpcException(Code.INVALID_ARGUMENT, "malformed request: " + e.getMessage());
            }
            return logic.call(request).toByteArray();
        };
    }
}
