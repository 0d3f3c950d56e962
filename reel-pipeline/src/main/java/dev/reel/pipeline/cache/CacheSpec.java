package dev.reel.pipeline.cache;

import dev.reel.pipeline.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A request's step-cache policy as the user writes it, {@code strategy[:parameters]}: {@code none},
 * {@code teacache:0.08}, {@code pab:2}, {@code teacache:0.05,ret_steps=true}, {@code magcache:0.12,K=2}. The first
 * parameter may be given bare (each strategy says what it means, usually the threshold); the others are
 * {@code name=value}, comma separated. Parsing checks the syntax and the strategy's name;
 * {@link CacheStrategies#create} checks the parameters.
 *
 * @param strategy one of {@link #STRATEGIES}
 * @param primary  the bare first parameter, or null
 * @param params   the named parameters, in the order given
 */
public record CacheSpec(String strategy, String primary, Map<String, String> params) {
    /** The request field the errors name. */
    public static final String FIELD = "cache";
    /** Strategies a request may name. */
    public static final List<String> STRATEGIES = List.of("none", "teacache", "pab", "magcache", "easycache");
    /** No cache: every transformer pass runs. */
    public static final CacheSpec NONE = new CacheSpec("none", null, Map.of());

    public CacheSpec {
        params = Map.copyOf(params);
    }

    /** Parses {@code text}; null or blank is {@link #NONE}. */
    public static CacheSpec parse(String text) {
        if (text == null || text.isBlank()) return NONE;
        String t = text.strip();
        int colon = t.indexOf(':');
        String name = (colon < 0 ? t : t.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        if (!STRATEGIES.contains(name)) {
            throw new InvalidRequestException(FIELD, text, "unknown cache strategy '" + name + "'; allowed: " + String.join(", ", STRATEGIES));
        }
        String primary = null;
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String[] parts = t.substring(colon + 1).split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i].strip();
                int eq = p.indexOf('=');
                if (eq < 0 && i == 0 && !p.isEmpty()) {
                    primary = p;
                } else if (eq > 0 && eq < p.length() - 1) {
                    String key = p.substring(0, eq).strip();
                    if (params.put(key, p.substring(eq + 1).strip()) != null) {
                        throw new InvalidRequestException(FIELD, text, "parameter '" + key + "' is given twice");
                    }
                } else {
                    throw new InvalidRequestException(FIELD, text, "'" + p + "' is not a parameter: write strategy:value or strategy:name=value,name=value");
                }
            }
        }
        if (name.equals("none") && (primary != null || !params.isEmpty())) {
            throw new InvalidRequestException(FIELD, text, "'none' takes no parameters");
        }
        return new CacheSpec(name, primary, params);
    }

    /** True for {@link #NONE}. */
    public boolean isNone() { return strategy.equals("none"); }

    /** Throws unless every named parameter is one of {@code allowed}. */
    void checkNames(Set<String> allowed) {
        for (String k : params.keySet()) {
            if (!allowed.contains(k)) {
                throw new InvalidRequestException(FIELD, toString(), strategy + " has no parameter '" + k + "'; it takes " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    /** The named parameter {@code key}, or the bare one when {@code key} is the primary's name; null if absent. */
    String raw(String key, String primaryName) {
        String v = params.get(key);
        if (v != null && primary != null && key.equals(primaryName)) {
            throw new InvalidRequestException(FIELD, toString(), "'" + key + "' is given twice (bare and by name)");
        }
        return v != null ? v : key.equals(primaryName) ? primary : null;
    }

    /** A number parameter in {@code [min, max]}. */
    double number(String key, String primaryName, double dflt, double min, double max) {
        String v = raw(key, primaryName);
        if (v == null) return dflt;
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(FIELD, toString(), strategy + " " + key + " must be a number, got '" + v + "'");
        }
        if (!(d >= min && d <= max)) throw new InvalidRequestException(FIELD, toString(), strategy + " " + key + " = " + v + ": must be in [" + min + ", " + max + "]");
        return d;
    }

    /** An integer parameter in {@code [min, max]}. */
    int integer(String key, String primaryName, int dflt, int min, int max) {
        String v = raw(key, primaryName);
        if (v == null) return dflt;
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(FIELD, toString(), strategy + " " + key + " must be an integer, got '" + v + "'");
        }
        if (n < min || n > max) throw new InvalidRequestException(FIELD, toString(), strategy + " " + key + " = " + n + ": must be in [" + min + ", " + max + "]");
        return n;
    }

    /** A {@code true}/{@code false} parameter. */
    boolean bool(String key, boolean dflt) {
        String v = params.get(key);
        if (v == null) return dflt;
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw new InvalidRequestException(FIELD, toString(), strategy + " " + key + " must be true or false, got '" + v + "'");
    }

    /** The canonical text: {@code strategy[:primary][,name=value…]}. */
    @Override public String toString() {
        StringBuilder b = new StringBuilder(strategy);
        String sep = ":";
        if (primary != null) { b.append(sep).append(primary); sep = ","; }
        for (var e : params.entrySet()) { b.append(sep).append(e.getKey()).append('=').append(e.getValue()); sep = ","; }
        return b.toString();
    }
}
