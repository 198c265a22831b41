#ifndef TRIALDIFF_CFOLDERSWAP_H
#define TRIALDIFF_CFOLDERSWAP_H

/// Exchanges two paths on one file system atomically (renameat2 with RENAME_EXCHANGE on Linux,
/// renamex_np with RENAME_SWAP on macOS):
/// both names exist before and after, and no process sees either missing. Returns 0, or -1 with
/// errno set (ENOSYS where the kernel or platform lacks it, EINVAL where the file system does).
int trialdiff_exchange_paths(const char *a, const char *b);

#endif
