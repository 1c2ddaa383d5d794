// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpegcheck

const blockSize = 8 * 8

// A block is an 8x8 block of DCT coefficients, in natural order once a
// scan has put them there.
type block [blockSize]int32
