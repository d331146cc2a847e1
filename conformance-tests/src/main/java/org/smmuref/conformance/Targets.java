package org.smmuref.conformance;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Resolves a {@code --target} value to a factory of fresh targets: a name registered by the composition root
 * (the launcher registers {@code reference} and {@code remote:...}), a {@link ConformanceTargetProvider} found by
 * {@link ServiceLoader}, or the class name of a {@link ConformanceTarget} or provider with a public no-argument
 * constructor.
 */
public final class Targets {
    private static final Map<String, Supplier<? extends ConformanceTarget>> REGISTERED = new ConcurrentHashMap<>();

    private Targets() {
    }

    /** Registers {@code factory} under {@code name} (the runner does this for a supplier it is given). */
    public static void register(String name, Supplier<? extends ConformanceTarget> factory) {
        REGISTERED.put(name, factory);
    }

    /** Removes a registration. */
    public static void unregister(String name) {
        REGISTERED.remove(name);
    }

    /** The factory for {@code spec}; IllegalArgumentException naming what was tried when none matches. */
    public static Supplier<? extends ConformanceTarget> resolve(String spec) {
        Supplier<? extends ConformanceTarget> registered = REGISTERED.get(spec);
        if (registered != null) {
            return registered;
        }
        for (ConformanceTargetProvider p : ServiceLoader.load(ConformanceTargetProvider.class)) {
            if (p.name().equals(spec)) {
                return p::create;
            }
        }
        Class<?> type;
        try {
            type = Class.forName(spec, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("no conformance target '" + spec + "': not registered ("
                + REGISTERED.keySet() + "), no ServiceLoader provider of that name, and no such class");
        }
        if (ConformanceTarget.class.isAssignableFrom(type)) {
            return () -> (ConformanceTarget) instantiate(type);
        }
        if (ConformanceTargetProvider.class.isAssignableFrom(type)) {
            ConformanceTargetProvider p = (ConformanceTargetProvider) instantiate(type);
            return p::create;
        }
        throw new IllegalArgumentException(spec + " is neither a ConformanceTarget nor a ConformanceTargetProvider");
    }

    private static Object instantiate(Class<?> type) {
        try {
            return type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " needs a public no-argument constructor", e);
        }
    }
}
