// Package uring is a minimal io_uring: one submission and one completion
// queue mapped from the kernel, a sparse table of direct descriptors, and
// the few operations Scrim batches (openat, read, close). Its one
// job is to turn many small system calls into one io_uring_enter.
//
// A Ring belongs to one goroutine at a time; it is not safe for concurrent
// use. Nothing here is cgo: the kernel's structures are laid out by hand
// (uapi/linux/io_uring.h), and the tests check them against the kernel.
package uring

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Operation codes (enum io_uring_op).
const (
	opOpenAt = 18
	opClose  = 19
	opRead   = 22
)

// SQE flags.
const (
	sqeFixedFile  = 1 << 0
	sqeIOHardlink = 1 << 3
)

const (
	setupCQSize      = 1 << 3
	setupCoopTaskrun = 1 << 8
	featSingleMmap   = 1 << 0
	enterGetEvents   = 1 << 0
	registerFiles    = 2
	offSQRing        = 0
	offCQRing        = 0x8000000
	offSQEs          = 0x10000000
)

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64 // also addr2
	addr        uint64
	len         uint32
	opFlags     uint32 // open_flags, rw_flags
	userData    uint64
	bufIndex    uint16
	personality uint16
	fileIndex   uint32 // 1-based direct descriptor slot, 0: none
	addr3       uint64
	_           uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// params is struct io_uring_params (120 bytes).
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqringOffsets
	cqOff                                                                  cqringOffsets
}

// Ring is one io_uring instance with its queues mapped.
type Ring struct {
	fd      int
	sqMem   []byte
	cqMem   []byte // same mapping as sqMem under IORING_FEAT_SINGLE_MMAP
	sqeMem  []byte
	sqHead  *uint32
	sqTail  *uint32
	sqMask  uint32
	sqes    []sqe
	cqHead  *uint32
	cqTail  *uint32
	cqMask  uint32
	cqes    []cqe
	tail    uint32 // local submission tail, published by Submit
	entries uint32
	slots   int // direct descriptor slots registered
}

// New sets up a ring of entries submission slots (a power of two; the
// completion queue holds twice as many) with slots sparse direct
// descriptors. It fails where io_uring is missing or refused (ENOSYS,
// EPERM under io_uring_disabled or seccomp): the caller then uses plain
// system calls.
func New(entries uint32, slots int) (*Ring, error) {
	p := params{flags: setupCQSize | setupCoopTaskrun, cqEntries: 2 * entries}
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup of %d entries: %w", entries, errno)
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries}
	if err := r.mapQueues(&p); err != nil {
		r.Close()
		return nil, err
	}
	if slots > 0 {
		table := make([]int32, slots)
		for i := range table {
			table[i] = -1 // sparse: empty until an openat fills it
		}
		if _, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerFiles,
			uintptr(unsafe.Pointer(&table[0])), uintptr(slots), 0, 0); errno != 0 {
			r.Close()
			return nil, fmt.Errorf("io_uring_register of %d direct descriptors: %w", slots, errno)
		}
		r.slots = slots
	}
	return r, nil
}

func (r *Ring) mapQueues(p *params) error {
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(cqe{})))
	single := p.features&featSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("io_uring: map submission queue: %w", err)
	}
	r.cqMem = r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			r.cqMem = nil
			return fmt.Errorf("io_uring: map completion queue: %w", err)
		}
	}
	sqeBytes := int(p.sqEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("io_uring: map submission entries: %w", err)
	}
	r.sqHead = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.head]))
	r.sqTail = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.tail]))
	r.sqMask = *(*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.ringMask]))
	array := unsafe.Slice((*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.array])), p.sqEntries)
	for i := range array {
		array[i] = uint32(i) // entry i of the ring is always sqes[i]
	}
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead = (*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.head]))
	r.cqTail = (*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.tail]))
	r.cqMask = *(*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.ringMask]))
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	r.tail = atomic.LoadUint32(r.sqTail)
	return nil
}

// Close unmaps the queues and closes the ring, which closes every direct
// descriptor still open in it.
func (r *Ring) Close() error {
	var errs []error
	unmap := func(m []byte) {
		if m != nil {
			if err := unix.Munmap(m); err != nil {
				errs = append(errs, err)
			}
		}
	}
	unmap(r.sqeMem)
	if r.cqMem != nil && (r.sqMem == nil || &r.cqMem[0] != &r.sqMem[0]) {
		unmap(r.cqMem) // a mapping of its own, not IORING_FEAT_SINGLE_MMAP's
	}
	unmap(r.sqMem)
	r.sqeMem, r.cqMem, r.sqMem, r.sqes, r.cqes = nil, nil, nil, nil, nil
	if r.fd >= 0 {
		if err := unix.Close(r.fd); err != nil {
			errs = append(errs, err)
		}
		r.fd = -1
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("io_uring: close: %w", err)
	}
	return nil
}

// Slots is the number of direct descriptor slots.
func (r *Ring) Slots() int { return r.slots }

// Space is how many more operations can be queued before Submit.
func (r *Ring) Space() int { return int(r.entries - (r.tail - atomic.LoadUint32(r.sqHead))) }

// next returns the next free submission entry, zeroed, or panics when the
// queue is full (callers check Space: a full queue is a bug of theirs).
func (r *Ring) next(user uint64) *sqe {
	if r.Space() <= 0 {
		panic("uring: submission queue full")
	}
	e := &r.sqes[r.tail&r.sqMask]
	*e = sqe{userData: user}
	r.tail++
	return e
}

// OpenDirect queues openat(dirfd, path, flags) into direct descriptor slot
// (0-based): no descriptor of the process is used. path must be
// NUL-terminated and stay untouched until its completion is reaped. The
// next operation queued runs after it whatever its result (hard link).
func (r *Ring) OpenDirect(dirfd int, path []byte, flags int, slot int, user uint64) {
	e := r.next(user)
	e.opcode, e.flags = opOpenAt, sqeIOHardlink
	e.fd = int32(dirfd)
	e.addr = uint64(uintptr(unsafe.Pointer(&path[0])))
	e.opFlags = uint32(flags)
	e.fileIndex = uint32(slot) + 1
}

// ReadDirect queues a read of len(buf) bytes at off from direct slot,
// hard-linked to the next operation. buf must stay untouched until reaped.
func (r *Ring) ReadDirect(slot int, buf []byte, off int64, user uint64) {
	e := r.next(user)
	e.opcode, e.flags = opRead, sqeFixedFile|sqeIOHardlink
	e.fd = int32(slot)
	if len(buf) > 0 {
		e.addr = uint64(uintptr(unsafe.Pointer(&buf[0])))
	}
	e.len = uint32(len(buf))
	e.off = uint64(off)
}

// CloseDirect queues the close of direct slot.
func (r *Ring) CloseDirect(slot int, user uint64) {
	e := r.next(user)
	e.opcode = opClose
	e.fileIndex = uint32(slot) + 1
}

// Submit hands every queued operation to the kernel and waits until at
// least want completions are ready, in as few io_uring_enter calls as it
// can (one, unless a signal interrupts the wait).
func (r *Ring) Submit(want int) error {
	atomic.StoreUint32(r.sqTail, r.tail)
	for {
		pending := r.tail - atomic.LoadUint32(r.sqHead)
		ready := int(atomic.LoadUint32(r.cqTail) - atomic.LoadUint32(r.cqHead))
		if pending == 0 && ready >= want {
			return nil
		}
		wait := max(want-ready, 0)
		var flags uintptr
		if wait > 0 {
			flags = enterGetEvents
		}
		_, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(pending), uintptr(wait), flags, 0, 0)
		if errno != 0 && errno != unix.EINTR {
			// EAGAIN/EBUSY too: the completion queue is full, which the
			// callers' reaping after every batch never lets happen.
			return fmt.Errorf("io_uring_enter of %d operations: %w", pending, errno)
		}
	}
}

// Reap calls fn for every completion ready, in the order they completed,
// and frees their places; fn gets the user value given when queuing and
// the result (a count, 0, or a negated errno).
func (r *Ring) Reap(fn func(user uint64, res int32)) int {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	n := 0
	for ; head != tail; head++ {
		c := r.cqes[head&r.cqMask]
		fn(c.userData, c.res)
		n++
	}
	atomic.StoreUint32(r.cqHead, head)
	runtime.KeepAlive(r)
	return n
}
