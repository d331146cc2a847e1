package org.smmuref.iommufd.core;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.spi.ProcessCapability;
import org.smmuref.iommufd.spi.UserFile;
import org.smmuref.iommufd.spi.UserMemory;
import org.smmuref.iommufd.uapi.Errno;

/**
 * A simulated process address space: page-granular {@code mmap}/{@code munmap} over a private page phys.pages.
 *
 * <p>Each mapped user page is backed by one store page, numbered from 1 and never reused, so a page address
 * ({@code number * pageSize}) identifies the backing memory. A store page lives while it is mapped or pinned: unmapping
 * a pinned page only removes the user mapping, exactly like {@code munmap} of memory pinned by {@code
 * pin_user_pages}. The process starts with no capabilities ({@link #grant} gives one). Not thread-safe; the iommufd
 * core serialises access.
 *
 * <p>Memfds ({@link #memfdCreate}) are files of store pages, allocated on first touch below the file's size and
 * dropped by a truncate (pinned ones live on until unpinned, as truncating pinned shmem pages does). A memfd can be
 * mapped into the address space ({@link #mmapFile}, a {@code MAP_SHARED} mapping): such user pages resolve through the
 * file at every access, so they see the same store pages as IOAS_MAP_FILE and stop resolving (EFAULT, the SIGBUS of a
 * real process) past the end of the file. Memfd fds are numbered from {@link #FIRST_MEMFD}, apart from the core's
 * fds, which start at 3.
 */
public final class SimulatedUserMemory implements UserMemory {
    /** The default page size, 4 KiB. */
    public static final int DEFAULT_PAGE_SIZE = 4096;

    /** The first memfd fd number. */
    public static final int FIRST_MEMFD = 1000;

    private final int pageSize;
    private final int pageShift;
    /** user page number -> anonymous store page number, unsigned order so that the top of the space works. */
    private final TreeMap<Long, Long> mappings = new TreeMap<>(Long::compareUnsigned);
    /** user page number -> the memfd page it shows (a shared file mapping). */
    private final TreeMap<Long, FilePage> fileMappings = new TreeMap<>(Long::compareUnsigned);
    /** Open memfds by fd. */
    private final TreeMap<Integer, Memfd> memfds = new TreeMap<>();
    private int nextMemfd = FIRST_MEMFD;
    /** The machine's page store, shared by a process and the processes it forks. */
    private final Physical phys;
    /** Pages charged to this process by pinning (the kernel's {@code pinned_vm}). */
    private long pinnedVm;
    private boolean exited;
    private final EnumSet<ProcessCapability> capabilities = EnumSet.noneOf(ProcessCapability.class);

    private record FilePage(Memfd file, long index) {
    }

    /** Store pages by number, numbered from 1 and never reused. */
    private static final class Physical {
        final Map<Long, StorePage> pages = new HashMap<>();
        long next = 1;
    }

    private static final class StorePage {
        final byte[] bytes;
        /** Mapped anonymously, or held by a memfd. */
        boolean mapped = true;
        int pins;

        StorePage(int size) {
            bytes = new byte[size];
        }
    }

    /** An empty address space with 4 KiB pages. */
    public SimulatedUserMemory() {
        this(DEFAULT_PAGE_SIZE);
    }

    /** An empty address space with the given page size (a power of two, at least 16). */
    public SimulatedUserMemory(int pageSize) {
        this(pageSize, new Physical());
    }

    private SimulatedUserMemory(int pageSize, Physical phys) {
        this.phys = phys;
        if (pageSize < 16 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two >= 16: " + pageSize);
        }
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    @Override
    public boolean capable(ProcessCapability capability) {
        return capabilities.contains(capability);
    }

    /** Gives the process {@code capability}. */
    public void grant(ProcessCapability capability) {
        capabilities.add(capability);
    }

    /** Takes {@code capability} away from the process. */
    public void revoke(ProcessCapability capability) {
        capabilities.remove(capability);
    }

    /** Maps fresh zeroed pages at {@code [va, va + length)}; both page aligned, nothing mapped there yet. */
    public void mmap(long va, long length) {
        checkAlive();
        checkRange(va, length);
        long first = va >>> pageShift;
        long count = length >>> pageShift;
        for (long i = 0; i < count; i++) {
            if (mappings.containsKey(first + i) || fileMappings.containsKey(first + i)) {
                throw new IllegalArgumentException("user page 0x" + Long.toHexString((first + i) << pageShift)
                    + " is already mapped");
            }
        }
        for (long i = 0; i < count; i++) {
            long number = phys.next++;
            phys.pages.put(number, new StorePage(pageSize));
            mappings.put(first + i, number);
        }
    }

    /** Unmaps every mapped page in {@code [va, va + length)}; pinned pages stay alive until unpinned. */
    public void munmap(long va, long length) {
        checkRange(va, length);
        long first = va >>> pageShift;
        long count = length >>> pageShift;
        for (long i = 0; i < count; i++) {
            fileMappings.remove(first + i);
            Long number = mappings.remove(first + i);
            if (number != null) {
                StorePage page = phys.pages.get(number);
                page.mapped = false;
                releaseIfDead(number, page);
            }
        }
    }

    /** How many store pages are alive (mapped or pinned): lets tests see that unpinning really released memory. */
    public int livePages() {
        return phys.pages.size();
    }

    /** How many pins are held on the page at {@code pageAddress} (0 if it is gone). */
    public int pinCount(long pageAddress) {
        StorePage page = phys.pages.get(pageAddress >>> pageShift);
        return page == null ? 0 : page.pins;
    }

    /** The total number of pins held on all pages. */
    public long totalPins() {
        long total = 0;
        for (StorePage p : phys.pages.values()) {
            total += p.pins;
        }
        return total;
    }

    /** Reads bytes directly from a page address (what a device would see through a mapping of that page). */
    public byte[] readPage(long pageAddress, int offset, int length) {
        StorePage page = phys.pages.get(pageAddress >>> pageShift);
        if (page == null || (pageAddress & (pageSize - 1)) != 0 || offset < 0 || offset + length > pageSize) {
            throw new IllegalArgumentException("no live page at 0x" + Long.toHexString(pageAddress));
        }
        byte[] out = new byte[length];
        System.arraycopy(page.bytes, offset, out, 0, length);
        return out;
    }

    @Override
    public void read(long va, byte[] dst, int offset, int length) {
        copy(va, dst, offset, length, false);
    }

    @Override
    public void write(long va, byte[] src, int offset, int length) {
        copy(va, src, offset, length, true);
    }

    private void copy(long va, byte[] buf, int offset, int length, boolean toUser) {
        if (length < 0 || offset < 0 || offset + length > buf.length) {
            throw new IllegalArgumentException("bad buffer range " + offset + "+" + length);
        }
        if (length == 0) {
            return;
        }
        requireMapped(va, length);
        int done = 0;
        while (done < length) {
            long addr = va + done;
            StorePage page = phys.pages.get(resolve(addr >>> pageShift));
            int inPage = (int) (addr & (pageSize - 1));
            int chunk = Math.min(length - done, pageSize - inPage);
            if (toUser) {
                System.arraycopy(buf, offset + done, page.bytes, inPage, chunk);
            } else {
                System.arraycopy(page.bytes, inPage, buf, offset + done, chunk);
            }
            done += chunk;
        }
    }

    @Override
    public long[] pin(long va, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("pin length must be positive: " + length);
        }
        requireMapped(va, length);
        long first = va >>> pageShift;
        long last = (va + length - 1) >>> pageShift;
        long count = last - first + 1;
        if (count > Integer.MAX_VALUE) {
            throw new IommufdException(Errno.ENOMEM, "cannot pin " + count + " pages at once");
        }
        long[] pages = new long[(int) count];
        for (int i = 0; i < count; i++) {
            long number = resolve(first + i);
            phys.pages.get(number).pins++;
            pages[i] = number << pageShift;
        }
        return pages;
    }

    @Override
    public void unpin(long[] pages) {
        for (long address : pages) {
            long number = address >>> pageShift;
            StorePage page = phys.pages.get(number);
            if (page == null || page.pins == 0) {
                throw new IllegalStateException("unpin of a page that is not pinned: 0x" + Long.toHexString(address));
            }
            page.pins--;
            releaseIfDead(number, page);
        }
    }

    private void releaseIfDead(long number, StorePage page) {
        if (!page.mapped && page.pins == 0) {
            phys.pages.remove(number);
        }
    }

    /** EFAULT unless every page of {@code [va, va + length)} is mapped (and the range does not wrap). */
    private void requireMapped(long va, long length) {
        long last = va + length - 1;
        if (Long.compareUnsigned(last, va) < 0) {
            throw new IommufdException(Errno.EFAULT, "user range 0x" + Long.toHexString(va) + "+" + length + " wraps");
        }
        for (long p = va >>> pageShift; Long.compareUnsigned(p, last >>> pageShift) <= 0; p++) {
            if (resolve(p) < 0) {
                throw new IommufdException(Errno.EFAULT, "nothing mapped at user address 0x"
                    + Long.toHexString(Math.max(p << pageShift, va)));
            }
        }
    }

    /** The store page a user page shows now, or -1 (unmapped, or a file mapping past the end of its file). */
    private long resolve(long userPage) {
        Long number = mappings.get(userPage);
        if (number != null) {
            return number;
        }
        FilePage fp = fileMappings.get(userPage);
        return fp == null ? -1 : fp.file().pageNumber(fp.index());
    }

    // ------------------------------------------------------------------ processes

    /**
     * {@code fork}: a child process with a copy of this address space (its own copies of the anonymous pages, the
     * way fork copies pages that are pinned for DMA), the same shared file mappings and memfd fds, and the same
     * capabilities. Pins and pinned-page charges are not inherited.
     */
    public SimulatedUserMemory fork() {
        checkAlive();
        SimulatedUserMemory child = new SimulatedUserMemory(pageSize, phys);
        child.capabilities.addAll(capabilities);
        for (Map.Entry<Long, Long> e : mappings.entrySet()) {
            long number = phys.next++;
            StorePage copy = new StorePage(pageSize);
            System.arraycopy(phys.pages.get(e.getValue()).bytes, 0, copy.bytes, 0, pageSize);
            phys.pages.put(number, copy);
            child.mappings.put(e.getKey(), number);
        }
        child.fileMappings.putAll(fileMappings);
        child.memfds.putAll(memfds);
        child.nextMemfd = nextMemfd;
        return child;
    }

    /**
     * {@code exit}: the address space goes away (every user page unmapped, every memfd fd closed); pinned pages live
     * on until unpinned, and files stay alive while a mapping holds them. Accessing or pinning the process's memory is
     * EFAULT from now on.
     */
    public void exit() {
        for (long page : new java.util.ArrayList<>(mappings.keySet())) {
            munmapPage(page);
        }
        fileMappings.clear();
        memfds.clear();
        exited = true;
    }

    /** Whether {@link #exit} was called. */
    public boolean exited() {
        return exited;
    }

    @Override
    public void accountPinned(long pages) {
        pinnedVm += pages;
        if (pinnedVm < 0) {
            throw new IllegalStateException("uncharged more pinned pages than were charged");
        }
    }

    /** How many pinned pages are charged to this process now. */
    public long pinnedVm() {
        return pinnedVm;
    }

    private void checkAlive() {
        if (exited) {
            throw new IllegalStateException("the process has exited");
        }
    }

    private void munmapPage(long page) {
        fileMappings.remove(page);
        Long number = mappings.remove(page);
        if (number != null) {
            StorePage sp = phys.pages.get(number);
            sp.mapped = false;
            releaseIfDead(number, sp);
        }
    }

    // ------------------------------------------------------------------ memfds

    /** {@code memfd_create}: a new empty memfd; returns its fd. */
    public int memfdCreate() {
        checkAlive();
        int fd = nextMemfd++;
        memfds.put(fd, new Memfd());
        return fd;
    }

    /** The open memfd {@code fd}; IllegalArgumentException if there is none (a test's mistake, not an errno). */
    private Memfd memfd(int fd) {
        Memfd f = memfds.get(fd);
        if (f == null) {
            throw new IllegalArgumentException("no memfd open on fd " + fd);
        }
        return f;
    }

    /** {@code ftruncate}: sets the size; shrinking drops the pages past it (pinned ones live until unpinned). */
    public void ftruncate(int fd, long size) {
        memfd(fd).truncate(size);
    }

    /** {@code pwrite}: writes {@code bytes} at {@code offset}, growing the file if they end past its size. */
    public void pwrite(int fd, long offset, byte[] bytes) {
        memfd(fd).write(offset, bytes);
    }

    /** {@code pread} of exactly {@code length} bytes below the file's size. */
    public byte[] pread(int fd, long offset, int length) {
        return memfd(fd).read(offset, length);
    }

    /** {@code close} of a memfd: later lookups of the fd fail; mappings and IOAS mappings keep the file. */
    public void closeMemfd(int fd) {
        memfd(fd);
        memfds.remove(fd);
    }

    /**
     * {@code mmap(va, length, MAP_SHARED, fd, offset)}: the user pages show the memfd's pages from {@code offset}
     * (page aligned); nothing may be mapped there yet.
     */
    public void mmapFile(long va, int fd, long offset, long length) {
        checkAlive();
        checkRange(va, length);
        if ((offset & (pageSize - 1)) != 0 || offset < 0) {
            throw new IllegalArgumentException("file offset must be page aligned: 0x" + Long.toHexString(offset));
        }
        Memfd file = memfd(fd);
        long first = va >>> pageShift;
        long count = length >>> pageShift;
        for (long i = 0; i < count; i++) {
            if (mappings.containsKey(first + i) || fileMappings.containsKey(first + i)) {
                throw new IllegalArgumentException("user page 0x" + Long.toHexString((first + i) << pageShift)
                    + " is already mapped");
            }
        }
        for (long i = 0; i < count; i++) {
            fileMappings.put(first + i, new FilePage(file, (offset >>> pageShift) + i));
        }
    }

    @Override
    public Optional<UserFile> file(int fd) {
        return Optional.ofNullable(memfds.get(fd));
    }

    /** A memfd: store pages by file page index, allocated on first touch below {@code size}. */
    private final class Memfd implements UserFile {
        private long size;
        private final TreeMap<Long, Long> pages = new TreeMap<>();

        @Override
        public long size() {
            return size;
        }

        /** The store page of file page {@code index}, allocated if needed; -1 at or past the end of the file. */
        long pageNumber(long index) {
            if (index < 0 || index >= (size + pageSize - 1) >>> pageShift) {
                return -1;
            }
            Long number = pages.get(index);
            if (number == null) {
                number = phys.next++;
                phys.pages.put(number, new StorePage(pageSize));
                pages.put(index, number);
            }
            return number;
        }

        void truncate(long newSize) {
            if (newSize < 0) {
                throw new IllegalArgumentException("negative size " + newSize);
            }
            long keep = (newSize + pageSize - 1) >>> pageShift;
            for (Map.Entry<Long, Long> e : new java.util.ArrayList<>(pages.tailMap(keep, true).entrySet())) {
                pages.remove(e.getKey());
                StorePage page = phys.pages.get(e.getValue());
                page.mapped = false;
                releaseIfDead(e.getValue(), page);
            }
            int tail = (int) (newSize & (pageSize - 1));
            Long last = newSize < size && tail != 0 ? pages.get(newSize >>> pageShift) : null;
            if (last != null) {
                // the part of the last page past the new end reads as zeros (truncate_inode_pages_range)
                java.util.Arrays.fill(phys.pages.get(last).bytes, tail, pageSize, (byte) 0);
            }
            size = newSize;
        }

        void write(long offset, byte[] bytes) {
            if (offset < 0) {
                throw new IllegalArgumentException("negative offset " + offset);
            }
            size = Math.max(size, offset + bytes.length);
            for (int done = 0; done < bytes.length; ) {
                long at = offset + done;
                int inPage = (int) (at & (pageSize - 1));
                int chunk = Math.min(bytes.length - done, pageSize - inPage);
                System.arraycopy(bytes, done, phys.pages.get(pageNumber(at >>> pageShift)).bytes, inPage, chunk);
                done += chunk;
            }
        }

        byte[] read(long offset, int length) {
            if (offset < 0 || offset + length > size) {
                throw new IllegalArgumentException("read past the end of the memfd");
            }
            byte[] out = new byte[length];
            for (int done = 0; done < length; ) {
                long at = offset + done;
                int inPage = (int) (at & (pageSize - 1));
                int chunk = Math.min(length - done, pageSize - inPage);
                System.arraycopy(phys.pages.get(pageNumber(at >>> pageShift)).bytes, inPage, out, done, chunk);
                done += chunk;
            }
            return out;
        }

        @Override
        public long[] pin(long offset, long length) {
            if (length <= 0 || (offset & (pageSize - 1)) != 0) {
                throw new IllegalArgumentException("pin needs a page-aligned offset and a positive length");
            }
            long first = offset >>> pageShift;
            long last = (offset + length - 1) >>> pageShift;
            long count = last - first + 1;
            if (count > Integer.MAX_VALUE || last >= (size + pageSize - 1) >>> pageShift) {
                throw new IommufdException(Errno.EINVAL, "memfd page 0x" + Long.toHexString(last << pageShift)
                    + " is past the end of the file (size 0x" + Long.toHexString(size) + ")");
            }
            long[] out = new long[(int) count];
            for (int i = 0; i < count; i++) {
                long number = pageNumber(first + i);
                phys.pages.get(number).pins++;
                out[i] = number << pageShift;
            }
            return out;
        }

        @Override
        public void unpin(long[] pinned) {
            SimulatedUserMemory.this.unpin(pinned);
        }
    }

    private void checkRange(long va, long length) {
        if (length <= 0 || ((va | length) & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("range must be page aligned and non-empty: 0x"
                + Long.toHexString(va) + "+0x" + Long.toHexString(length));
        }
        if (Long.compareUnsigned(va + length - 1, va) < 0) {
            throw new IllegalArgumentException("range wraps: 0x" + Long.toHexString(va));
        }
    }
}
