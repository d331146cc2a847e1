package org.smmuref.iommufd.core;

/**
 * Something with an id in a context's object table.
 *
 * <p>{@code users} counts the references other objects, attachments and open fds hold on it; IOMMU_DESTROY is
 * EBUSY while it is above zero. {@link #release} drops the references this object holds and frees driver state,
 * both for a normal destroy and for aborting a half-built object, so it must cope with fields never set.
 */
abstract class IommufdObject {
    final ObjectType type;
    int id;
    private int users;

    IommufdObject(ObjectType type) {
        this.type = type;
    }

    final int users() {
        return users;
    }

    final void addUser() {
        users++;
    }

    final void dropUser() {
        if (users == 0) {
            throw new IllegalStateException(type + " " + id + ": users would become negative");
        }
        users--;
    }

    /** Drops every reference this object holds on others and frees its driver state. */
    abstract void release();

    @Override
    public String toString() {
        return type + "#" + id;
    }
}
