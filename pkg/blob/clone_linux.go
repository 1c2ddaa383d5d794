package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// cloneRange shares the first n bytes of src with dst (FICLONERANGE, a
// reflink: btrfs, XFS, bcachefs...) as far as block alignment allows, and
// returns how many bytes it cloned: 0 where the filesystem cannot (ext4,
// tmpfs, overlayfs over those) or the files are on different filesystems.
func cloneRange(dst, src *os.File, n int64) int64 {
	if n <= 0 {
		return 0
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil || st.Blksize <= 0 {
		return 0
	}
	length := n
	if n != st.Size { // only a range that ends at EOF may be unaligned
		length = n - n%int64(st.Blksize)
	}
	if length <= 0 {
		return 0
	}
	err := unix.IoctlFileCloneRange(int(dst.Fd()), &unix.FileCloneRange{
		Src_fd:      int64(src.Fd()),
		Src_offset:  0,
		Src_length:  uint64(length),
		Dest_offset: 0,
	})
	if err != nil {
		return 0
	}
	return length
}
