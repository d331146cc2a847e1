package org.smmuref.kvm.internal;

/** Fixture: an internal class of the kvm module. */
public class Hidden {
}
