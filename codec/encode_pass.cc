#include "codec/encode_pass.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#include "codec/form_run.h"
#include "codec/sign/scale_quantizer.h"
#include "codec/sign/sign_quantizer.h"

namespace gradcodec::internal {
namespace {

constexpr uint64_t kRunWords = kRunCoordinates / 64;

// Bits [offset, offset + count) of `words` (`total` words) to out[], bit 0
// first, zero past `count`.
void ExtractBits(const uint64_t* words, uint64_t total, uint64_t offset,
                 uint64_t count, uint64_t* out) {
  const uint64_t first = offset >> 6;
  const uint64_t shift = offset & 63;
  const uint64_t out_words = (count + 63) / 64;
  for (uint64_t k = 0; k < out_words; ++k) {
    uint64_t v = words[first + k] >> shift;
    if (shift != 0 && first + k + 1 < total) {
      v |= words[first + k + 1] << (64 - shift);
    }
    out[k] = v;
  }
  if ((count & 63) != 0) out[out_words - 1] &= (uint64_t{1} << (count & 63)) - 1;
}

// ORs `count` bits (bits[], zero past `count`) into `words` (`total`
// words) from bit `offset` on.
void InsertBits(const uint64_t* bits, uint64_t count, uint64_t offset,
                uint64_t total, uint64_t* words) {
  const uint64_t first = offset >> 6;
  const uint64_t shift = offset & 63;
  for (uint64_t k = 0; k < (count + 63) / 64; ++k) {
    words[first + k] |= bits[k] << shift;
    if (shift != 0 && first + k + 1 < total) {
      words[first + k + 1] |= bits[k] >> (64 - shift);
    }
  }
}

// Writes e = p - Delta for a run, with streaming stores when the error
// memory is large and the run's first float is aligned.
void WriteError(const float* p, const uint64_t* signs, uint64_t count,
                float scale, bool stream, float* out) {
  stream = stream && reinterpret_cast<uintptr_t>(out) % 16 == 0;
  SubtractSignedScale(p, signs, count, scale, out, stream);
}

// A block's ||p_b||_1 (see kFlush): the lanes flushed into the
// double in lane order.
void Flush(Lanes& lanes, double* sum) {
  for (float& lane : lanes.v) {
    *sum += lane;
    lane = 0;
  }
}

// After a run whose lanes are added, ending `done` coordinates into its
// block (`last`: the block's last run): the lanes into the double where
// kFlush's order says, and at the block's end the run's coordinates past
// its last multiple of 8 that `take` picks, one by one.
template <typename Take>
void SettleRun(uint64_t done, bool last, const float* p, uint64_t count,
               Take take, Lanes& lanes, double* sum) {
  if (done % kFlush == 0 || last) Flush(lanes, sum);
  if (!last) return;
  for (uint64_t j = count / 8 * 8; j < count; ++j) {
    if (take(j)) *sum += std::fabs(p[j]);
  }
}

// How far ahead of the run being formed the pass asks for its inputs. The
// rule and the bookkeeping between two runs' loads leave the hardware
// prefetchers idle, so the loads of the next blocks wait on memory. Asking
// 4 KiB of each input ahead took codec_bench's Encode/4 from 30.9 to 29.0
// ms (one binary, the distance from the environment, best of five
// alternating runs; 2 KiB 29.7, 8 KiB 30.2), and as built here from 33.7
// to 29.1 ms.
//
// Into L2 only (prefetcht2), not L1: a block asks for some 36 lines at
// once, more than L1 has misses in flight, and into L1 the burst stalled
// the pass (two thirds of its own cycles sat on the instructions after
// the prefetches). Into L2 and 8 KiB ahead it went from 27.3 to 26.1 ms
// (4 KiB 26.3, 16 KiB 26.1, 32 KiB 26.4; into L1 27.0 to 27.5; non-
// temporal 36.5; one input at a time between the run's steps instead of
// all at once, 27.2).
constexpr uint64_t kPrefetchCoordinates = 2048;

// Asks for the inputs of coordinates [begin, begin + count) +
// kPrefetchCoordinates that exist, a cache line of each at a time, into
// L2. Always inlined: GCC finds a function of prefetches alone free of
// side effects (pure) and drops its calls.
__attribute__((always_inline)) inline void PrefetchAhead(
    const EncodePassInput& in, uint64_t begin, uint64_t count) {
  constexpr uint64_t kLineFloats = 16;
  constexpr int kIntoL2 = 1;  // __builtin_prefetch's locality for prefetcht2
  const uint64_t n = in.update.size();
  const uint64_t end = std::min(n, begin + count + kPrefetchCoordinates);
  for (uint64_t i = begin + kPrefetchCoordinates; i < end; i += kLineFloats) {
    __builtin_prefetch(in.update.data() + i, 0, kIntoL2);
    if (in.error != nullptr) __builtin_prefetch(in.error + i, 0, kIntoL2);
    if (in.mu > 0) __builtin_prefetch(in.momentum + i, 0, kIntoL2);
    // signxor's contexts, a byte a coordinate: a line for every four of
    // g's. (Asked for as a read although the pass writes them: with
    // PRFCHW in the target, a prefetch for writing is prefetchw, into L1.)
    if (in.contexts != nullptr && i % 64 < kLineFloats) {
      __builtin_prefetch(in.contexts + i, 0, kIntoL2);
    }
  }
}

}  // namespace

bool RunEncodePass(const EncodePassInput& in, EncodePassOutput& out) {
  const uint64_t n = in.update.size();
  const bool stream =
      out.error != nullptr && UseStreamingStores(out.error, n);
  const uint64_t words = (n + 63) / 64;
  const FormRunFn form = ChooseFormRun(in);
  std::fill(out.signs, out.signs + words, 0);
  const bool delta = in.reference != nullptr;
  if (delta) std::fill(out.flips, out.flips + words, 0);
  out.kept = 0;
  out.flip_count = 0;
  out.sample_flips.fill(0);
  out.sample_totals.fill(0);

  // The flip-rate model's sample as counts of (context << 1 | flip): one
  // local counter per sampled coordinate instead of two in `out`, which
  // the compiler must assume the other stores may alias.
  std::array<uint64_t, 2 * kFlipContexts> sample{};
  const uint64_t stride = FlipRateModel::ObserveStride(n);
  alignas(64) float p[kRunCoordinates];
  uint64_t raw[kRunWords], reference[kRunWords], chosen[kRunWords];
  Lanes lanes;
  Lanes unused;  // forming p again adds to these, not to the block's

  if (in.block_starts.empty()) {
    // Method sign: Delta = +-1, nothing to wait for before the error.
    for (uint64_t begin = 0; begin < n; begin += kRunCoordinates) {
      const uint64_t count = std::min(kRunCoordinates, n - begin);
      if (!form(in, begin, count, p, raw, unused)) return false;
      InsertBits(raw, count, begin, words, out.signs);
      if (out.error != nullptr) {
        WriteError(p, raw, count, 1.0f, stream, out.error + begin);
      }
    }
    if (stream) FinishStreamingStores();
    return true;
  }

  // A delta run's reference signs, and its contexts moved on for this
  // step, before the rule reads them.
  auto prepare = [&](uint64_t begin, uint64_t count) {
    if (in.advance_contexts != nullptr) {
      in.advance_contexts->AdvanceContexts(in.history_bits, begin, count,
                                           in.contexts);
    }
    ExtractBits(in.reference, words, begin, count, reference);
  };
  // The signs of a run written to the outputs: `raw`, or for a delta
  // `chosen` (and the flips, which `reference` becomes, and the model's
  // sample).
  auto commit = [&](uint64_t begin, uint64_t count) {
    const uint64_t* sent = raw;
    if (delta) {
      sent = chosen;
      for (uint64_t k = 0; k < (count + 63) / 64; ++k) {
        reference[k] ^= chosen[k];  // now the flips
        out.flip_count += static_cast<uint64_t>(std::popcount(reference[k]));
      }
      InsertBits(reference, count, begin, words, out.flips);
      // The model's sample: the coordinates that are multiples of the
      // stride, wherever the run starts, one count per (context, flip).
      for (uint64_t i = (begin + stride - 1) / stride * stride;
           i < begin + count; i += stride) {
        const uint64_t j = i - begin;
        ++sample[((in.contexts[i] & kRateContextMask) << 1) |
                 ((reference[j >> 6] >> (j & 63)) & 1)];
      }
    }
    InsertBits(sent, count, begin, words, out.signs);
  };
  // The signs of a run formed in `p` and `raw`: raw, or for a delta the
  // rule's choice.
  auto choose = [&](uint64_t begin, uint64_t count, float factor,
                    Lanes& against_lanes) {
    if (delta) {
      prepare(begin, count);
      out.kept += in.rule->Choose(p, count, raw, reference, in.contexts + begin,
                                  factor, chosen, against_lanes.v);
    }
    commit(begin, count);
  };
  const FormAndChooseRunFn form_and_choose =
      delta ? ChooseFormAndChooseRun(in) : nullptr;

  const size_t blocks = in.block_starts.size() - 1;
  for (size_t b = 0; b < blocks; ++b) {
    const uint64_t begin = in.block_starts[b];
    const uint64_t end = in.block_starts[b + 1];
    const uint64_t size = end - begin;
    const bool one_run = size <= kRunCoordinates;

    // ||p_b||_1, and the sum of |p| over the coordinates whose sign the
    // rule sends against p, both in the lane order of kFlush.
    double abs_sum = 0;
    double against_abs = 0;
    Lanes against_lanes;
    // A delta block of whole words in one run whose rule factor comes
    // from its previous scale: p formed and the rule applied in one loop.
    const float known_factor = delta && b < in.previous_scales.size()
                                   ? in.rule->BlockFactor(in.previous_scales[b])
                                   : 0;
    if (form_and_choose != nullptr && one_run && size % 64 == 0 &&
        in.rule->Applies(known_factor)) {
      PrefetchAhead(in, begin, size);
      prepare(begin, size);
      if (!form_and_choose(in, begin, size,
                           RateDistortionRule::LevelScale(known_factor),
                           reference, p, raw, chosen, lanes, against_lanes)) {
        return false;
      }
      Flush(lanes, &abs_sum);
      Flush(against_lanes, &against_abs);
      for (uint64_t k = 0; k < size / 64; ++k) {
        out.kept += static_cast<uint64_t>(std::popcount(chosen[k]));
        chosen[k] ^= raw[k];  // the signs sent against p, then those sent
      }
      commit(begin, size);
    } else {
      // ||p_b||_1, and the raw signs (kept in `raw` when the block is one
      // run; otherwise formed again below).
      for (uint64_t at = begin; at < end; at += kRunCoordinates) {
        const uint64_t count = std::min(kRunCoordinates, end - at);
        PrefetchAhead(in, at, count);
        if (!form(in, at, count, p, raw, lanes)) return false;
        SettleRun(
            at + count - begin, at + count == end, p, count,
            [](uint64_t) { return true; }, lanes, &abs_sum);
      }

      // The signs sent, and the sum of |p| over the coordinates the rule
      // sent against their own sign, in the order of ||p_b||_1's.
      auto add_against = [&](uint64_t at, uint64_t count) {
        const auto overridden = [&](uint64_t j) {
          return (((raw[j >> 6] ^ chosen[j >> 6]) >> (j & 63)) & 1) != 0;
        };
        SettleRun(at + count - begin, at + count == end, p, count, overridden,
                  against_lanes, &against_abs);
      };
      float factor = 0;
      if (delta) {
        factor = b < in.previous_scales.size()
                     ? known_factor
                     : in.rule->BlockFactor(static_cast<float>(
                           abs_sum / static_cast<double>(size)));
      }
      if (one_run) {
        choose(begin, size, factor, against_lanes);
        if (delta) add_against(begin, size);
      } else {
        for (uint64_t at = begin; at < end; at += kRunCoordinates) {
          const uint64_t count = std::min(kRunCoordinates, end - at);
          form(in, at, count, p, raw, unused);
          choose(at, count, factor, against_lanes);
          if (delta) add_against(at, count);
        }
      }
    }

    // The best scale for the signs sent: <p_b, s_b> / |b| =
    // (||p_b||_1 - 2 against_abs_b) / |b|, at least 0, quantised.
    const auto alpha = static_cast<float>(std::max(
        0.0, (abs_sum - 2 * against_abs) / static_cast<double>(size)));
    out.codes[b] = QuantizeScale(alpha);
    const float scale = DequantizeScale(out.codes[b]);
    out.scales[b] = scale;

    if (out.error == nullptr) continue;
    if (one_run) {
      WriteError(p, delta ? chosen : raw, size, scale, stream,
                 out.error + begin);
    } else {
      for (uint64_t at = begin; at < end; at += kRunCoordinates) {
        const uint64_t count = std::min(kRunCoordinates, end - at);
        form(in, at, count, p, raw, unused);
        ExtractBits(out.signs, words, at, count, chosen);
        WriteError(p, chosen, count, scale, stream, out.error + at);
      }
    }
  }
  if (stream) FinishStreamingStores();
  for (uint32_t c = 0; c < kFlipContexts; ++c) {
    out.sample_flips[c] = sample[2 * c + 1];
    out.sample_totals[c] = sample[2 * c] + sample[2 * c + 1];
  }
  return true;
}

}  // namespace gradcodec::internal
