/** The public platform operations beside the iommufd service: processes, guest RAM, DMA and the hardware view. */
package org.smmuref.iommufd.platform;
