package org.smmuref.launcher;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scenario file: a named list of steps run in order against a server's TCP bridge. docs/scenarios.md describes
 * the format; in short, a step is a request ({@code op}, {@code body}, then {@code expect} a reply subset or an
 * {@code errno}), a {@code subscribe} to an event address, or an {@code event} to wait for; {@code save} keeps reply
 * values in variables that later bodies use as {@code "${name}"}; {@code client} picks one of several connections.
 *
 * @param name the scenario's name
 * @param node the node short operation names address ({@code iommufd.open} means {@code smmuref.<node>.iommufd.open})
 * @param platform the machine an embedded server runs for this scenario (a {@code serve --config} document), if any
 * @param steps the steps
 */
record Scenario(String name, String node, Optional<JsonObject> platform, List<Step> steps) {
    private static final Set<String> TOP = Set.of("name", "description", "node", "platform", "steps");
    private static final Set<String> STEP = Set.of("name", "op", "body", "client", "expect", "errno", "message",
        "save", "timeout_ms", "subscribe", "event", "comment", "repeat", "until", "steps");
    /** The most iterations a {@code repeat} step may ask for. */
    static final int MAX_REPEAT = 100_000;
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    /** The value of {@code expect} that matches anything present. */
    static final String ANY = "$any";
    /** {@code {"$ne": v}} in {@code expect} matches anything present that does not match {@code v}. */
    static final String NOT = "$ne";

    /**
     * One step, as written (variables are substituted when it runs).
     *
     * @param index its position in its list
     * @param spec the step's object
     * @param inner the steps a {@code repeat} step runs each iteration (empty otherwise)
     */
    record Step(int index, JsonObject spec, List<Step> inner) {
        String label() {
            return spec.getString("name", spec.containsKey("op") ? spec.getString("op")
                : spec.containsKey("subscribe") ? "subscribe" : spec.containsKey("repeat") ? "repeat" : "event");
        }

        boolean isRepeat() {
            return spec.containsKey("repeat");
        }

        String client() {
            return spec.getString("client", "main");
        }

        long timeoutMs() {
            return spec.getLong("timeout_ms", 10_000L);
        }
    }

    /** A scenario file that cannot be run; the message says where. */
    static final class BadScenario extends Exception {
        private static final long serialVersionUID = 1L;

        BadScenario(String message) {
            super(message);
        }
    }

    /** Parses and checks a scenario's text. */
    static Scenario parse(String text) throws BadScenario {
        JsonObject root;
        try {
            root = new JsonObject(text);
        } catch (DecodeException e) {
            throw new BadScenario("not a JSON object: " + e.getMessage());
        }
        for (String k : root.fieldNames()) {
            if (!TOP.contains(k)) {
                throw new BadScenario(k + ": unknown key (known: " + String.join(", ", TOP) + ")");
            }
        }
        if (!(root.getValue("steps") instanceof JsonArray steps) || steps.isEmpty()) {
            throw new BadScenario("steps: must be a non-empty list");
        }
        List<Step> out = steps(steps, "steps");
        if (root.containsKey("platform") && !(root.getValue("platform") instanceof JsonObject)) {
            throw new BadScenario("platform: must be an object (a serve --config document)");
        }
        String name = root.getValue("name") instanceof String n ? n : "scenario";
        String node = root.getValue("node") instanceof String n ? n : "local";
        return new Scenario(name, node, Optional.ofNullable(root.getJsonObject("platform")), List.copyOf(out));
    }

    private static List<Step> steps(JsonArray steps, String path) throws BadScenario {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            String at = path + "[" + i + "]";
            if (!(steps.getValue(i) instanceof JsonObject s)) {
                throw new BadScenario(at + ": must be an object");
            }
            for (String k : s.fieldNames()) {
                if (!STEP.contains(k)) {
                    throw new BadScenario(at + "." + k + ": unknown key");
                }
            }
            int kinds = (s.containsKey("op") ? 1 : 0) + (s.containsKey("subscribe") ? 1 : 0)
                + (s.containsKey("event") ? 1 : 0) + (s.containsKey("repeat") ? 1 : 0);
            if (kinds != 1) {
                throw new BadScenario(at + ": needs exactly one of op, subscribe, event, repeat");
            }
            if (s.containsKey("errno") && s.containsKey("expect")) {
                throw new BadScenario(at + ": expect (a reply) and errno (a failure) exclude each other");
            }
            if (s.containsKey("save") && !(s.getValue("save") instanceof JsonObject)) {
                throw new BadScenario(at + ".save: must map variable names to reply paths");
            }
            List<Step> inner = List.of();
            if (s.containsKey("repeat")) {
                if (!(s.getValue("repeat") instanceof Integer n) || n < 1 || n > MAX_REPEAT) {
                    throw new BadScenario(at + ".repeat: must be a count of 1.." + MAX_REPEAT);
                }
                if (!(s.getValue("steps") instanceof JsonArray body) || body.isEmpty()) {
                    throw new BadScenario(at + ".steps: a repeat needs a non-empty list of steps");
                }
                inner = steps(body, at + ".steps");
                for (Step st : inner) {
                    if (st.isRepeat()) {
                        throw new BadScenario(at + ": repeats do not nest");
                    }
                }
            } else if (s.containsKey("steps") || s.containsKey("until")) {
                throw new BadScenario(at + ": steps and until belong to a repeat");
            }
            out.add(new Step(i, s, inner));
        }
        return out;
    }

    /** The full address of an operation: a short {@code group.op} is under this scenario's node. */
    String address(String op) {
        return op.startsWith("smmuref.") ? op : "smmuref." + node + "." + op;
    }

    /** Substitutes {@code ${var}}: a whole-string reference keeps the variable's JSON type. */
    static Object substitute(Object value, Map<String, Object> vars) throws BadScenario {
        if (value instanceof String s) {
            Matcher whole = VAR.matcher(s);
            if (whole.matches()) {
                return lookup(whole.group(1), vars);
            }
            Matcher m = VAR.matcher(s);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(b, Matcher.quoteReplacement(String.valueOf(lookup(m.group(1), vars))));
            }
            m.appendTail(b);
            return b.toString();
        }
        if (value instanceof JsonObject o) {
            JsonObject r = new JsonObject();
            for (Map.Entry<String, Object> e : o) {
                r.put(e.getKey(), substitute(e.getValue(), vars));
            }
            return r;
        }
        if (value instanceof JsonArray a) {
            JsonArray r = new JsonArray();
            for (Object v : a) {
                r.add(substitute(v, vars));
            }
            return r;
        }
        return value;
    }

    private static Object lookup(String name, Map<String, Object> vars) throws BadScenario {
        if (!vars.containsKey(name)) {
            throw new BadScenario("variable ${" + name + "} is not set by any earlier step");
        }
        return vars.get(name);
    }

    /** The value at a dotted path ({@code iommus.0.devices}); empty if absent. */
    static Optional<Object> at(Object root, String path) {
        Object cur = root;
        if (path.isEmpty() || path.equals(".")) {
            return Optional.ofNullable(cur);
        }
        for (String part : path.split("\\.")) {
            if (cur instanceof JsonObject o && o.containsKey(part)) {
                cur = o.getValue(part);
            } else if (cur instanceof JsonArray a && part.matches("\\d+") && Integer.parseInt(part) < a.size()) {
                cur = a.getValue(Integer.parseInt(part));
            } else {
                return Optional.empty();
            }
        }
        return Optional.ofNullable(cur);
    }

    /**
     * Whether {@code actual} matches {@code expected}: objects by subset (every expected key present and matching),
     * arrays element by element with equal length, numbers by value, {@value #ANY} anything present, {@code {"$ne": v}}
     * anything present but what matches {@code v}. Returns the
     * first difference, or empty.
     */
    static Optional<String> mismatch(Object expected, Object actual, String path) {
        String where = path.isEmpty() ? "reply" : path;
        if (ANY.equals(expected)) {
            return actual == null ? Optional.of(where + ": missing") : Optional.empty();
        }
        if (expected instanceof JsonObject e && e.size() == 1 && e.containsKey(NOT)) {
            if (actual == null) {
                return Optional.of(where + ": missing");
            }
            return mismatch(e.getValue(NOT), actual, path).isPresent() ? Optional.empty()
                : Optional.of(where + ": expected anything but " + describe(e.getValue(NOT)) + ", got it");
        }
        if (expected instanceof JsonObject e) {
            if (!(actual instanceof JsonObject a)) {
                return Optional.of(where + ": expected an object, got " + describe(actual));
            }
            for (Map.Entry<String, Object> entry : e) {
                String p = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
                if (!a.containsKey(entry.getKey())) {
                    return Optional.of(p + ": missing");
                }
                Optional<String> m = mismatch(entry.getValue(), a.getValue(entry.getKey()), p);
                if (m.isPresent()) {
                    return m;
                }
            }
            return Optional.empty();
        }
        if (expected instanceof JsonArray e) {
            if (!(actual instanceof JsonArray a)) {
                return Optional.of(where + ": expected a list, got " + describe(actual));
            }
            if (a.size() != e.size()) {
                return Optional.of(where + ": expected " + e.size() + " elements, got " + a.size());
            }
            for (int i = 0; i < e.size(); i++) {
                Optional<String> m = mismatch(e.getValue(i), a.getValue(i), where + "." + i);
                if (m.isPresent()) {
                    return m;
                }
            }
            return Optional.empty();
        }
        if (expected instanceof Number e) {
            if (actual instanceof Number a && new java.math.BigDecimal(e.toString())
                .compareTo(new java.math.BigDecimal(a.toString())) == 0) {
                return Optional.empty();
            }
            return Optional.of(where + ": expected " + e + ", got " + describe(actual));
        }
        if (expected == null ? actual == null : expected.equals(actual)) {
            return Optional.empty();
        }
        return Optional.of(where + ": expected " + describe(expected) + ", got " + describe(actual));
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        String s = v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** Fresh variables of a run: {@code node} is predefined. */
    Map<String, Object> initialVariables() {
        Map<String, Object> vars = new HashMap<>();
        vars.put("node", node);
        return vars;
    }
}
