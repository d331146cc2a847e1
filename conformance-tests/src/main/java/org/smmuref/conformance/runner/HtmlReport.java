package org.smmuref.conformance.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The one-page HTML report: a row per requirement with its result and evidence (request, expected, actual). */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** Writes the page. */
    public static void write(Path file, List<Outcome> outcomes) throws IOException {
        long passed = outcomes.stream().filter(o -> o.result().equals("PASSED")).count();
        long failed = outcomes.stream().filter(o -> o.result().equals("FAILED")).count();
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>smmuref conformance</title><style>")
            .append("body{font-family:sans-serif}td{vertical-align:top;padding:2px 6px}")
            .append(".PASSED{color:#070}.FAILED{color:#b00;font-weight:bold}.NOT_APPLICABLE{color:#777}")
            .append("</style></head><body><h1>smmuref conformance</h1><p>")
            .append(passed).append(" passed, ").append(failed).append(" failed, ")
            .append(outcomes.size() - passed - failed).append(" not applicable</p>")
            .append("<table><tr><th>suite</th><th>requirement</th><th>result</th><th>evidence</th></tr>");
        for (Outcome o : outcomes) {
            b.append("<tr><td>").append(esc(o.suite())).append("</td><td><code>").append(esc(o.requirement()))
                .append("</code></td><td class=\"").append(o.result()).append("\">").append(o.result())
                .append("</td><td>");
            for (String e : o.evidence()) {
                b.append(esc(e)).append("<br>");
            }
            if (!o.message().isEmpty()) {
                b.append("<em>").append(esc(o.message())).append("</em>");
            }
            b.append("</td></tr>");
        }
        b.append("</table></body></html>\n");
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
