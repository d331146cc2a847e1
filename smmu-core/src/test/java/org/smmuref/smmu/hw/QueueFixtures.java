package org.smmuref.smmu.hw;

import java.util.ArrayList;
import java.util.List;

/** Recording collaborators shared by the queue and register tests. */
final class QueueFixtures {
    private QueueFixtures() {
    }

    /** Records every handler call in order. */
    static final class RecordingHandler implements CommandHandler {
        final List<Object> calls = new ArrayList<>();
        SyncOutcome nextSync = SyncOutcome.COMPLETE;

        @Override
        public void prefetch(Command.Prefetch command) {
            calls.add(command);
        }

        @Override
        public void invalidateConfig(Command.ConfigInvalidation command) {
            calls.add(command);
        }

        @Override
        public void invalidateTlb(TlbInvalidation invalidation) {
            calls.add(invalidation);
        }

        @Override
        public void invalidateAtc(Command.AtcInv command) {
            calls.add(command);
        }

        @Override
        public void respondToPageRequest(Command.PriResp command) {
            calls.add(command);
        }

        @Override
        public void resume(Command.Resume command) {
            calls.add(command);
        }

        @Override
        public void terminateStalls(Command.StallTerm command) {
            calls.add(command);
        }

        @Override
        public SyncOutcome sync() {
            calls.add("SYNC");
            return nextSync;
        }
    }

    /** Records wired interrupts and SEVs. */
    static final class RecordingSink implements InterruptSink {
        final List<Line> wired = new ArrayList<>();
        int events;

        @Override
        public void wired(Line line) {
            wired.add(line);
        }

        @Override
        public void sendEvent() {
            events++;
        }
    }
}
