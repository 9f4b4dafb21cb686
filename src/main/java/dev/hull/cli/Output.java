package dev.hull.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.json.Json;

/**
 * The ObjectMapper of the verbs that print or read JSON trees (features, spec, ps, events, update, list
 * --format json). In a class of its own, so the frequent verbs that need none (state, start, kill,
 * delete) do not pay its ~20 ms of initialisation.
 */
final class Output {
    static final ObjectMapper JSON = Json.indenting();

    private Output() {
    }
}
