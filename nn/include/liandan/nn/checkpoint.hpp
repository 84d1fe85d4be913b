// Checkpoints: named tensors and string metadata in one HDF5 file, checksummed, written
// atomically.
//
// Note [Checkpoint layout]: one dataset per tensor at the root of the file, named by its
// dotted key ("blocks.0.fc1.weight"; a '.' is an ordinary character in an HDF5 name), in the
// order given (link creation order is tracked). dtypes: f32 -> IEEE f32, f64 -> IEEE f64,
// i64 -> 64-bit signed integer, bool -> uint8 (0/1); the shape is the dataspace (a 0-dim
// tensor is a scalar dataspace, empty tensors keep their zero dims). Metadata entries are
// fixed-length UTF-8 string attributes of the root group (files written before checksums hold
// variable-length ones). The first 512 bytes are an HDF5 user block holding liandan's header
// (Note [Checkpoint integrity]); HDF5 and h5py skip it. In Python:
//     with h5py.File("model.h5") as f:
//         w = torch.from_numpy(f["blocks.0.fc1.weight"][()])  # every key: list(f)
//         step = int(f.attrs["step"])                          # bytes, e.g. b"1200"
// scripts/torch_to_hdf5.py writes the same layout from a PyTorch state_dict. Reading also
// accepts other integer widths (as i64) and float widths (f16 and f32 as f32); 8-bit unsigned
// integers and h5py's bool enums read as bool.
//
// Note [Checkpoint integrity]: HDF5 1.10's parser is not hardened against damaged files: one
// changed byte can make it segfault (H5HG_read on a variable-length string, H5O_msg_read_oh on
// an object header) or loop forever. So a file liandan wrote never reaches it unverified:
//  - Where the checksum lives: in a 512-byte header at the start of the file, in HDF5's user
//    block (bytes HDF5 reserves for applications and skips): magic "\x89LDCKPT\n", a format
//    version (1), the CRC-32 (zlib's) of the whole file with the CRC field read as zeros, and
//    the file's size, little-endian. At the start rather than in a trailer or a sidecar: one
//    file, so the atomic rename commits the data and its checksum together and a copy carries
//    both; a truncated file still says what it is and how long it should be; h5py reads it.
//  - Saving: the HDF5 file is built in memory (data::hdf5_image), the header filled in, then
//    written to "<path>.tmp-<pid>" by plain write(2)s, fsync'ed, renamed over path, and the
//    directory fsync'ed. HDF5 never writes to disk, so a full disk is an error from our own
//    write() (the temporary removed, the previous file untouched), never a half-closed HDF5
//    file that HDF5's atexit shutdown would crash on. Cost: the file's bytes are held in
//    memory once more while saving.
//  - Loading: the file is opened once; the header's size and the CRC over every byte are
//    checked before HDF5 sees the file, then HDF5 reads that same open file
//    (/proc/self/fd/N), so it cannot be swapped in between. Metadata must be fixed-length
//    strings (no global heap). A mismatch is an Error naming the file, the expected and the
//    found CRC; a 100 MB file is checked in well under a second.
//  - Files without the header (written before checksums, or by h5py, e.g. torch_to_hdf5.py):
//    loaded, but marked unverified (Checkpoint::verified is false; the trainer and the CLI
//    warn). Nothing vouches for their bytes, so HDF5 parses them first in a forked child (Note
//    [Unverified checkpoints] in nn/src/checkpoint.cpp): a damaged one is an Error, not a crash
//    or hang of the caller. Re-saving such a file adds the header.
//  - What a CRC does not do: it detects accidents (flipped bits, torn or partial copies,
//    truncation), not a file crafted to pass it. Load checkpoints you trust, as with
//    PyTorch's pickles.
#pragma once

#include <map>
#include <string>

#include "liandan/core/named_tensors.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

using Metadata = std::map<std::string, std::string>;

struct Checkpoint {
  core::NamedTensors tensors;  // in file order
  Metadata metadata;
  // The file had liandan's header and its checksum matched; false for files without the
  // header (Note [Checkpoint integrity]), which callers should warn about.
  bool verified = false;
};

// Writes tensors (keys must be unique, non-empty, without '/') and metadata to path, with a
// checksum. The file is written to "<path>.tmp-<pid>", fsync'ed, then renamed over path: a
// failure at any point (a full disk included) is an Error that leaves the previous file at
// path untouched and removes the temporary file.
void save(const std::string& path, const core::NamedTensors& tensors,
          const Metadata& metadata = {});

// Reads a checkpoint, verifying its checksum before HDF5 parses it; a missing, truncated,
// damaged or corrupt file is an Error naming the path (and the checksums, or the key that
// failed to read), never a crash.
Checkpoint load(const std::string& path);

// save(path, module.state_dict(), metadata).
void save_module(const std::string& path, const Module& module, const Metadata& metadata = {});
// module.load_state_dict(load(path).tensors, strict), errors prefixed with the path; returns
// the file's metadata.
Metadata load_module(const std::string& path, Module& module, bool strict = true);

}  // namespace liandan::nn
