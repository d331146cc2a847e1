package org.smmuref.kvm;

/** Good fixture: a public type of the kvm module. */
public class PublicThing {
}
