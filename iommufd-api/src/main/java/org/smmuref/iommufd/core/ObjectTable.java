package org.smmuref.iommufd.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.smmuref.iommufd.IommufdException;
import org.smmuref.iommufd.uapi.Errno;

/**
 * The id space of one context: ids from 1 (never 0), the lowest free id first, one space for every type.
 *
 * <p>An object is {@linkplain #reserve reserved} (its id taken, invisible to lookups), then either
 * {@linkplain #finalizeObject finalized} once nothing can fail any more or {@linkplain #abort aborted}. A tombstone
 * keeps a destroyed object's id taken, invisible, until the context closes (a force-destroyed vDEVICE).
 */
final class ObjectTable {
    private enum State { RESERVED, LIVE, TOMBSTONE }

    private static final class Slot {
        final IommufdObject object;
        State state;

        Slot(IommufdObject object, State state) {
            this.object = object;
            this.state = state;
        }
    }

    private final TreeMap<Integer, Slot> slots = new TreeMap<>();

    /** Takes the lowest free id for {@code object}; the object stays invisible until finalized. */
    int reserve(IommufdObject object) {
        int id = 1;
        for (int used : slots.keySet()) {
            if (used != id) {
                break;
            }
            id++;
        }
        if (id <= 0) {
            throw new IommufdException(Errno.ENOMEM, "object id space exhausted");
        }
        object.id = id;
        slots.put(id, new Slot(object, State.RESERVED));
        return id;
    }

    /** Makes a reserved object visible. */
    void finalizeObject(IommufdObject object) {
        Slot slot = slotOf(object);
        if (slot.state != State.RESERVED) {
            throw new IllegalStateException(object + " finalized twice");
        }
        slot.state = State.LIVE;
    }

    /** Undoes a reservation: releases what the half-built object holds and frees its id. */
    void abort(IommufdObject object) {
        Slot slot = slotOf(object);
        if (slot.state != State.RESERVED) {
            throw new IllegalStateException(object + " aborted after finalize");
        }
        slots.remove(object.id);
        object.release();
    }

    /** The live object with {@code id} of {@code type}, else {@code notFound} (ENOENT unless the command says). */
    <T extends IommufdObject> T get(int id, ObjectType type, Class<T> javaType, Errno notFound) {
        IommufdObject object = getAny(id, notFound);
        if (object.type != type) {
            throw new IommufdException(notFound, "object " + Integer.toUnsignedString(id) + " is a " + object.type
                + ", not a " + type);
        }
        return javaType.cast(object);
    }

    /** Whether {@code object} itself (not a later object that reused its id) is live in this table. */
    boolean isLive(IommufdObject object) {
        Slot slot = slots.get(object.id);
        return slot != null && slot.object == object && slot.state == State.LIVE;
    }

    /** The live object with {@code id} of any type, else {@code notFound}. */
    IommufdObject getAny(int id, Errno notFound) {
        Slot slot = slots.get(id);
        if (slot == null || slot.state != State.LIVE) {
            throw new IommufdException(notFound, "no object with id " + Integer.toUnsignedString(id));
        }
        return slot.object;
    }

    /**
     * IOMMU_DESTROY: ENOENT for an unknown, reserved or tombstoned id, EBUSY while the object has users;
     * otherwise releases and removes it.
     */
    void destroyUser(int id) {
        IommufdObject object = getAny(id, Errno.ENOENT);
        if (object.users() > 0) {
            throw new IommufdException(Errno.EBUSY, object + " is in use by " + object.users() + " user(s)");
        }
        remove(object);
    }

    /** Releases and removes a live object that has no users. */
    void remove(IommufdObject object) {
        Slot slot = slotOf(object);
        if (slot.state != State.LIVE || object.users() != 0) {
            throw new IllegalStateException("cannot remove " + object + " (" + slot.state + ", users "
                + object.users() + ")");
        }
        slots.remove(object.id);
        object.release();
    }

    /** Force-destroys a live object but keeps its id taken and invisible until the context closes. */
    void tombstone(IommufdObject object) {
        Slot slot = slotOf(object);
        if (slot.state != State.LIVE || object.users() != 0) {
            throw new IllegalStateException("cannot tombstone " + object);
        }
        slot.state = State.TOMBSTONE;
        object.release();
    }

    /** The live objects in id order. */
    List<IommufdObject> live() {
        List<IommufdObject> out = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (slot.state == State.LIVE) {
                out.add(slot.object);
            }
        }
        return out;
    }

    /** Whether no id is taken at all (RLIMIT_MODE may change only then). */
    boolean isEmpty() {
        return slots.isEmpty();
    }

    /** Whether {@code id} is held by a tombstone. */
    boolean isTombstone(int id) {
        Slot slot = slots.get(id);
        return slot != null && slot.state == State.TOMBSTONE;
    }

    /** Destroys every live object in dependency order (users first) and drops the tombstones. */
    void destroyAll() {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Map.Entry<Integer, Slot> e : new ArrayList<>(slots.entrySet())) {
                Slot slot = e.getValue();
                if (slot.state == State.LIVE && slot.object.users() == 0) {
                    remove(slot.object);
                    progress = true;
                }
            }
        }
        for (Slot slot : slots.values()) {
            if (slot.state != State.TOMBSTONE) {
                throw new IllegalStateException("cannot destroy " + slot.object + ": " + slot.object.users()
                    + " user(s) left at close");
            }
        }
        slots.clear();
    }

    private Slot slotOf(IommufdObject object) {
        Slot slot = slots.get(object.id);
        if (slot == null || slot.object != object) {
            throw new IllegalStateException(object + " is not in this table");
        }
        return slot;
    }
}
