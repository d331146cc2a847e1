package org.smmuref.iommufd.uapi;

import java.util.List;

/**
 * Every uAPI struct this package knows, in header order, and their layouts rendered as JSON (for
 * {@code ./smmuref uapi layout --json}) or as a text table. JSON is built by hand: the package uses the JDK only.
 */
public final class UapiLayouts {
    /** Every struct type: the upstream commands and driver data, the newer commands, then the v1 proposal's. */
    public static final List<StructType<?>> ALL = List.of(
        IommuDestroy.TYPE,
        IommuIoasAlloc.TYPE,
        IommuIovaRange.TYPE,
        IommuIoasIovaRanges.TYPE,
        IommuIoasAllowIovas.TYPE,
        IommuIoasCopy.TYPE,
        IommuIoasUnmap.TYPE,
        IommuOption.TYPE,
        IommuVfioIoas.TYPE,
        IommuIoasMap.TYPE,
        IommuIoasMapFile.TYPE,
        IommuHwptAlloc.TYPE,
        IommuHwptArmSmmuv3.TYPE,
        IommuHwInfo.TYPE,
        IommuHwInfoArmSmmuv3.TYPE,
        IommuHwptSetDirtyTracking.TYPE,
        IommuHwptGetDirtyBitmap.TYPE,
        IommuHwptInvalidate.TYPE,
        IommuViommuArmSmmuv3Invalidate.TYPE,
        IommuHwptPgfault.TYPE,
        IommuHwptPageResponse.TYPE,
        IommuFaultAlloc.TYPE,
        IommuViommuAlloc.TYPE,
        IommuVdeviceAlloc.TYPE,
        IommuIoasChangeProcess.TYPE,
        IommufdVeventHeader.TYPE,
        IommuVeventArmSmmuv3.TYPE,
        IommuVeventqAlloc.TYPE,
        IommuHwQueueAlloc.TYPE,
        IommuHwptArmSmmuv3V1.TYPE,
        IommuHwptInvalidateArmSmmuv3V1.TYPE);

    private UapiLayouts() {
    }

    /** The struct type called {@code kernelName}. */
    public static StructType<?> byName(String kernelName) {
        for (StructType<?> t : ALL) {
            if (t.kernelName().equals(kernelName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no uAPI struct named " + kernelName);
    }

    /**
     * {@code {"<struct>": {"size": N, "offsets": {"<member>": N, ...}}, ...}} for every struct, one struct per line;
     * a union appears under its first member's name, an array or embedded struct under its own name.
     */
    public static String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        for (int i = 0; i < ALL.size(); i++) {
            CLayout layout = ALL.get(i).layout();
            sb.append("  ").append(jsonString(layout.name())).append(": {\"size\": ").append(layout.size())
                .append(", \"offsets\": {");
            List<CField> fields = layout.fields();
            for (int k = 0; k < fields.size(); k++) {
                if (k > 0) {
                    sb.append(", ");
                }
                sb.append(jsonString(fields.get(k).name())).append(": ").append(fields.get(k).offset());
            }
            sb.append("}}").append(i + 1 < ALL.size() ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }

    /** A human-readable table: per struct its size and alignment, then each member's offset, size and declaration. */
    public static String toTable() {
        StringBuilder sb = new StringBuilder();
        for (StructType<?> t : ALL) {
            CLayout layout = t.layout();
            sb.append(String.format("struct %s  (size %d, align %d)%n", layout.name(), layout.size(), layout.alignment()));
            for (CField f : layout.fields()) {
                sb.append(String.format("  %4d  %4d  %s%n", f.offset(), f.size(), f.declaration()));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** A JSON string literal: quotes, backslashes and control characters escaped (RFC 8259). */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
