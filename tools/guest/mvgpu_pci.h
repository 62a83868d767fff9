/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest tools' way to an mvgpu vGPU's PCI function without a driver:
 * its sysfs directory and its BARs mapped through the resource files.
 */
#ifndef MVGPU_PCI_H
#define MVGPU_PCI_H

#include <stddef.h>

/*
 * Put the sysfs directory of the first 1b36:10f0 function in @out.
 * Return: 0, or -1 when there is none.
 */
int mvgpu_pci_find(char *out, size_t len);

/*
 * Map BAR @bar of the function in sysfs directory @dev, whole, shared,
 * with @prot (PROT_READ, PROT_WRITE); its size in *@len.
 * Return: the mapping, or NULL (a message on stderr).
 */
void *mvgpu_pci_map(const char *dev, int bar, int prot, size_t *len);

#endif /* MVGPU_PCI_H */
