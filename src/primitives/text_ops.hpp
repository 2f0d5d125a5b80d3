// The per-document maths of scikit-learn's HashingVectorizer, written once for the CPU and for
// CUDA kernels (one thread per document): UTF-8 decoding with Python's error handling, the
// preprocessing (str.lower(), strip_accents, white-space collapsing of the char analyzers),
// the analyzers (word n-grams of the default token pattern, char and char_wb n-grams) and
// the signed MurmurHash3 of every feature. Nothing here allocates: a document is processed
// twice by the callers (count, then fill), so that no buffer has to be sized in advance.
//
// In CUDA translation units the functions are __device__ only: the Unicode tables they read
// are device memory there; CPU code includes this header from .cpp files.
#pragma once

#include <cstdint>

#include "primitives/unicode_tables.hpp"

#if defined(__CUDACC__)
#define FRANCA_TEXT_FN __device__ inline
#else
#define FRANCA_TEXT_FN inline
#endif

namespace franca::text {

enum class Analyzer : std::int32_t { word = 0, char_ngram = 1, char_wb = 2 };
enum class DecodeError : std::int32_t { strict = 0, ignore = 1, replace = 2 };
enum class StripAccents : std::int32_t { none = 0, ascii = 1, unicode = 2 };

// Everything a document's processing depends on; trivially copyable into a kernel.
// Stop words: a sorted (bytewise), distinct list of UTF-8 strings on the documents' device.
struct TextOptions {
  std::int32_t n_features = 1 << 20;
  Analyzer analyzer = Analyzer::word;
  std::int32_t min_n = 1;
  std::int32_t max_n = 1;
  bool lowercase = true;
  StripAccents strip_accents = StripAccents::none;
  DecodeError decode_error = DecodeError::strict;
  bool alternate_sign = true;
  const std::int64_t* stop_offsets = nullptr;  // n_stop + 1
  const std::uint8_t* stop_bytes = nullptr;
  std::int32_t n_stop = 0;
};

// Word n-grams keep the last max_n tokens; larger ranges are refused by the estimator.
constexpr int kMaxNgram = 32;
constexpr std::uint32_t kInvalid = 0xFFFFFFFFu;

// ------------------------------------------------------------------ Unicode lookups

FRANCA_TEXT_FN bool in_ranges(const std::uint32_t* ranges, int n_ranges, std::uint32_t c) {
  int lo = 0, hi = n_ranges - 1, found = -1;
  while (lo <= hi) {  // the last range whose first code point is <= c
    const int mid = (lo + hi) / 2;
    if (ranges[2 * mid] <= c) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && c <= ranges[2 * found + 1];
}

// The image of c in a (keys, refs, data) map: its length, with *out pointing at it; -1 when c
// is not a key.
FRANCA_TEXT_FN int map_lookup(const std::uint32_t* keys, const std::uint32_t* refs, const std::uint32_t* data,
                              int n_keys, std::uint32_t c, const std::uint32_t** out) {
  int lo = 0, hi = n_keys - 1;
  while (lo <= hi) {
    const int mid = (lo + hi) / 2;
    if (keys[mid] == c) {
      *out = data + (refs[mid] >> 5);
      return static_cast<int>(refs[mid] & 31u);
    }
    if (keys[mid] < c) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return -1;
}

#define FRANCA_TABLE_SIZE(t) static_cast<int>(sizeof(t) / sizeof(t[0]))

// The ASCII word characters, [0-9A-Za-z_], as bits of two words: code points 0-63 ('0'-'9' are
// 48-57) and 64-127 ('A'-'Z' 65-90, '_' 95, 'a'-'z' 97-122), so that the test of an ASCII
// character (most of most text) is a shift, not a chain of comparisons.
constexpr std::uint64_t kAsciiWordLow = 0x03FF000000000000ull;
constexpr std::uint64_t kAsciiWordHigh = 0x07FFFFFE87FFFFFEull;

FRANCA_TEXT_FN bool is_word(std::uint32_t c) {
  if (c < 0x80) return (((c < 64 ? kAsciiWordLow : kAsciiWordHigh) >> (c & 63)) & 1u) != 0;
  return in_ranges(unicode::kWord, FRANCA_TABLE_SIZE(unicode::kWord) / 2, c);
}

FRANCA_TEXT_FN bool is_space(std::uint32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return in_ranges(unicode::kSpace, FRANCA_TABLE_SIZE(unicode::kSpace) / 2, c);
}

FRANCA_TEXT_FN bool is_cased(std::uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  return in_ranges(unicode::kCased, FRANCA_TABLE_SIZE(unicode::kCased) / 2, c);
}

FRANCA_TEXT_FN bool is_case_ignorable(std::uint32_t c) {
  if (c < 0x80) return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`';
  return in_ranges(unicode::kCaseIgnorable, FRANCA_TABLE_SIZE(unicode::kCaseIgnorable) / 2, c);
}

FRANCA_TEXT_FN int lower_map(std::uint32_t c, const std::uint32_t** out) {
  return map_lookup(unicode::kLowerKeys, unicode::kLowerRefs, unicode::kLowerData,
                    FRANCA_TABLE_SIZE(unicode::kLowerKeys), c, out);
}

// Hangul syllables decompose arithmetically (Unicode section 3.12) into 2 or 3 jamo, which
// strip_accents='unicode' keeps and strip_accents='ascii' drops.
constexpr std::uint32_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;

// Calls sink(code point) for the image of c under strip_accents.
template <class Sink>
FRANCA_TEXT_FN void strip_accents(StripAccents mode, std::uint32_t c, Sink& sink) {
  if (mode == StripAccents::none || c < 0x80) {
    sink(c);
    return;
  }
  if (c >= kHangulFirst && c <= kHangulLast) {
    if (mode == StripAccents::unicode) {
      const std::uint32_t s = c - kHangulFirst;
      sink(0x1100 + s / 588);
      sink(0x1161 + (s % 588) / 28);
      if (s % 28) sink(0x11A7 + s % 28);
    }
    return;
  }
  const std::uint32_t* image = nullptr;
  int n = mode == StripAccents::unicode
              ? map_lookup(unicode::kStripUnicodeKeys, unicode::kStripUnicodeRefs, unicode::kStripUnicodeData,
                           FRANCA_TABLE_SIZE(unicode::kStripUnicodeKeys), c, &image)
              : map_lookup(unicode::kStripAsciiKeys, unicode::kStripAsciiRefs, unicode::kStripAsciiData,
                           FRANCA_TABLE_SIZE(unicode::kStripAsciiKeys), c, &image);
  if (n < 0) {
    // Not listed: unchanged under 'unicode'; nothing ASCII in its decomposition under 'ascii'.
    if (mode == StripAccents::unicode) sink(c);
    return;
  }
  for (int k = 0; k < n; ++k) sink(image[k]);
}

#undef FRANCA_TABLE_SIZE

// ------------------------------------------------------------------ UTF-8

// Decodes the code point at s[*i] (*i < n) and advances *i. An ill-formed sequence yields
// kInvalid and advances past its maximal valid prefix, as Python's decoder does (so that
// decode_error='replace' puts one U+FFFD where Python puts one).
FRANCA_TEXT_FN std::uint32_t decode_utf8(const std::uint8_t* s, std::int64_t n, std::int64_t* i) {
  const std::uint32_t b0 = s[*i];
  *i += 1;
  if (b0 < 0x80) return b0;
  int more;
  std::uint32_t c, lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    more = 1;
    c = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    more = 2;
    c = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    more = 3;
    c = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return kInvalid;
  }
  for (int k = 0; k < more; ++k) {
    if (*i >= n) return kInvalid;
    const std::uint32_t b = s[*i];
    if (b < lo || b > hi) return kInvalid;
    lo = 0x80;
    hi = 0xBF;
    c = (c << 6) | (b & 0x3F);
    *i += 1;
  }
  return c;
}

FRANCA_TEXT_FN int encode_utf8(std::uint32_t c, std::uint8_t* out) {
  if (c < 0x80) {
    out[0] = static_cast<std::uint8_t>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<std::uint8_t>(0xC0 | (c >> 6));
    out[1] = static_cast<std::uint8_t>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<std::uint8_t>(0xE0 | (c >> 12));
    out[1] = static_cast<std::uint8_t>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<std::uint8_t>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<std::uint8_t>(0xF0 | (c >> 18));
  out[1] = static_cast<std::uint8_t>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<std::uint8_t>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<std::uint8_t>(0x80 | (c & 0x3F));
  return 4;
}

// The byte length of the UTF-8 sequence that starts with lead byte b (valid UTF-8 only).
FRANCA_TEXT_FN int utf8_length(std::uint8_t b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

// ------------------------------------------------------------------ preprocessing

constexpr std::uint32_t kCapitalSigma = 0x3A3, kSmallSigma = 0x3C3, kFinalSigma = 0x3C2, kReplacement = 0xFFFD;

// Python's str.lower() turns a capital sigma at s[i] (just decoded, ending at byte `next`)
// into the final form when a cased letter precedes it and none follows, skipping
// case-ignorable characters both ways.
FRANCA_TEXT_FN bool final_sigma(const std::uint8_t* s, std::int64_t n, std::int64_t next, bool prev_cased,
                                DecodeError mode) {
  if (!prev_cased) return false;
  for (std::int64_t j = next; j < n;) {
    std::uint32_t c = decode_utf8(s, n, &j);
    if (c == kInvalid) {
      if (mode == DecodeError::ignore) continue;
      c = kReplacement;
    }
    if (!is_case_ignorable(c)) return !is_cased(c);
  }
  return true;
}

// Decodes document s (n bytes), applies lowercase and strip_accents and, for the char
// analyzers, replaces every run of two or more white-space characters with one space
// (scikit-learn's r"\s\s+" -> " "); calls sink(code point) for each resulting code point.
// Returns -1, or the byte offset of the first ill-formed sequence when decode_error='strict'.
template <class Sink>
FRANCA_TEXT_FN std::int64_t preprocess(const std::uint8_t* s, std::int64_t n, const TextOptions& o, Sink& sink) {
  const bool collapse = o.analyzer != Analyzer::word;
  std::int64_t spaces = 0;
  std::uint32_t first_space = 0;
  auto emit = [&](std::uint32_t c) {
    if (collapse && is_space(c)) {
      if (spaces++ == 0) first_space = c;
      return;
    }
    if (spaces) sink(spaces == 1 ? first_space : std::uint32_t{' '});
    spaces = 0;
    sink(c);
  };
  auto accents = [&](std::uint32_t c) {
    if (o.strip_accents == StripAccents::none) {
      emit(c);
    } else {
      strip_accents(o.strip_accents, c, emit);
    }
  };
  bool prev_cased = false;  // whether the last character that is not case-ignorable is cased
  for (std::int64_t i = 0; i < n;) {
    // Most text is ASCII: lowercase it and track casing without the general path's lookups
    // (accents leave ASCII as it is; white space needs the general path's collapsing).
    if (s[i] < 0x80 && !collapse) {
      std::uint32_t c = s[i++];
      if (o.lowercase) {
        const bool upper = c - 'A' < 26u, lower = c - 'a' < 26u;
        if (upper || lower) {
          prev_cased = true;
        } else if (!is_case_ignorable(c)) {
          prev_cased = false;
        }
        if (upper) c += 32;
      }
      sink(c);
      continue;
    }
    const std::int64_t start = i;
    std::uint32_t c = decode_utf8(s, n, &i);
    if (c == kInvalid) {
      if (o.decode_error == DecodeError::strict) return start;
      if (o.decode_error == DecodeError::ignore) continue;
      c = kReplacement;
    }
    if (o.lowercase) {
      const bool sigma_final = c == kCapitalSigma && final_sigma(s, n, i, prev_cased, o.decode_error);
      if (!is_case_ignorable(c)) prev_cased = is_cased(c);
      if (c >= 'A' && c <= 'Z') {
        accents(c + 32);
      } else if (c == kCapitalSigma) {
        accents(sigma_final ? kFinalSigma : kSmallSigma);
      } else if (c >= 0x80) {
        const std::uint32_t* image = nullptr;
        const int m = lower_map(c, &image);
        if (m < 0) {
          accents(c);
        } else {
          for (int k = 0; k < m; ++k) accents(image[k]);
        }
      } else {
        accents(c);
      }
    } else {
      accents(c);
    }
  }
  if (spaces) sink(spaces == 1 ? first_space : std::uint32_t{' '});
  return -1;
}

// ------------------------------------------------------------------ hashing

// MurmurHash3_x86_32 fed in pieces: the 32-bit blocks are mixed as bytes arrive, so that the
// hash of every prefix can be finished without rehashing it.
struct Murmur3 {
  std::uint32_t h = 0;  // seed 0, as scikit-learn
  std::uint32_t tail = 0;
  std::uint32_t length = 0;

  static FRANCA_TEXT_FN std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
  static FRANCA_TEXT_FN std::uint32_t scramble(std::uint32_t k) { return rotl(k * 0xcc9e2d51u, 15) * 0x1b873593u; }

  FRANCA_TEXT_FN void byte(std::uint8_t b) {
    tail |= static_cast<std::uint32_t>(b) << (8 * (length & 3));
    if ((++length & 3) == 0) {
      h = rotl(h ^ scramble(tail), 13) * 5 + 0xe6546b64u;
      tail = 0;
    }
  }
  FRANCA_TEXT_FN void update(const std::uint8_t* p, std::int64_t n) {
    std::int64_t k = 0;
    for (; k < n && (length & 3); ++k) byte(p[k]);
    for (; k + 4 <= n; k += 4) {  // whole blocks (little-endian, as the reference reads them)
      const std::uint32_t block = p[k] | static_cast<std::uint32_t>(p[k + 1]) << 8 |
                                  static_cast<std::uint32_t>(p[k + 2]) << 16 |
                                  static_cast<std::uint32_t>(p[k + 3]) << 24;
      h = rotl(h ^ scramble(block), 13) * 5 + 0xe6546b64u;
      length += 4;
    }
    for (; k < n; ++k) byte(p[k]);
  }
  FRANCA_TEXT_FN std::int32_t finish() const {
    std::uint32_t x = h;
    if (length & 3) x ^= scramble(tail);
    x ^= length;
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    x ^= x >> 16;
    return static_cast<std::int32_t>(x);
  }
};

// scikit-learn's column and sign of a hashed feature (sklearn/feature_extraction/_hashing_fast).
template <class Emit>
FRANCA_TEXT_FN void emit_hash(std::int32_t h, const TextOptions& o, Emit& emit) {
  const std::int32_t n = o.n_features;
  // abs(INT32_MIN) overflows; scikit-learn defines that case's column as below. Where n is a
  // power of two (the default 2**20), the remainder of abs(h) >= 0 is its low bits: a mask
  // instead of a division, on every token.
  const std::int32_t a = h < 0 ? -h : h;
  const std::int32_t column = h == INT32_MIN ? (2147483647 - (n - 1)) % n : (n & (n - 1)) == 0 ? a & (n - 1) : a % n;
  emit(column, (!o.alternate_sign || h >= 0) ? 1 : -1);
}

// ------------------------------------------------------------------ analyzers

// Whether UTF-8 string t[0, len) is one of the stop words (binary search, bytewise order).
FRANCA_TEXT_FN bool is_stop_word(const std::uint8_t* t, std::int64_t len, const TextOptions& o) {
  int lo = 0, hi = o.n_stop - 1;
  while (lo <= hi) {
    const int mid = (lo + hi) / 2;
    const std::uint8_t* w = o.stop_bytes + o.stop_offsets[mid];
    const std::int64_t wlen = o.stop_offsets[mid + 1] - o.stop_offsets[mid];
    int cmp = 0;
    for (std::int64_t k = 0; k < len && k < wlen && cmp == 0; ++k)
      cmp = static_cast<int>(t[k]) - static_cast<int>(w[k]);
    if (cmp == 0) cmp = len < wlen ? -1 : len > wlen ? 1 : 0;
    if (cmp == 0) return true;
    if (cmp < 0) {
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return false;
}

// Word n-grams of the tokens of r"(?u)\b\w\w+\b" (maximal runs of two or more word
// characters), stop words removed first, n-grams joined by one space.
template <class Emit>
FRANCA_TEXT_FN void word_ngrams(const std::uint8_t* t, std::int64_t n, const TextOptions& o, Emit& emit) {
  std::int64_t starts[kMaxNgram], ends[kMaxNgram];
  std::int64_t kept = 0;
  int last = -1;  // the slot of the latest token, kept - 1 modulo max_n (counted, not divided)
  auto token = [&](std::int64_t start, std::int64_t end) {
    if (o.n_stop > 0 && is_stop_word(t + start, end - start, o)) return;
    last = last + 1 == o.max_n ? 0 : last + 1;
    starts[last] = start;
    ends[last] = end;
    ++kept;
    // The n-grams that end with this token.
    for (std::int64_t len = kept < o.max_n ? kept : o.max_n; len >= o.min_n; --len) {
      Murmur3 m;
      int s = last - static_cast<int>(len - 1);
      if (s < 0) s += o.max_n;
      for (std::int64_t k = 0; k < len; ++k) {
        if (k > 0) m.byte(' ');
        m.update(t + starts[s], ends[s] - starts[s]);
        s = s + 1 == o.max_n ? 0 : s + 1;
      }
      emit_hash(m.finish(), o, emit);
    }
  };
  std::int64_t start = -1, chars = 0;
  for (std::int64_t i = 0, next = 0;; i = next) {
    bool word = false;
    if (i < n && t[i] < 0x80) {
      word = is_word(t[next++]);
    } else if (i < n) {
      word = is_word(decode_utf8(t, n, &next));
    }
    if (word) {
      if (start < 0) {
        start = i;
        chars = 0;
      }
      ++chars;
    } else if (start >= 0) {
      if (chars >= 2) token(start, i);
      start = -1;
    }
    if (i >= n) break;
  }
}

// All n-grams of n code points of the preprocessed text, min_n <= n <= max_n.
template <class Emit>
FRANCA_TEXT_FN void char_ngrams(const std::uint8_t* t, std::int64_t n, const TextOptions& o, Emit& emit) {
  for (std::int64_t i = 0; i < n; i += utf8_length(t[i])) {
    Murmur3 m;
    std::int64_t end = i;
    for (int len = 1; len <= o.max_n && end < n; ++len) {
      const int w = utf8_length(t[end]);
      m.update(t + end, w);
      end += w;
      if (len >= o.min_n) emit_hash(m.finish(), o, emit);
    }
  }
}

// scikit-learn's char_wb: each white-space separated word, padded with one space on each side
// (w_len code points), gives its n-grams for min_n <= n < w_len, and itself once if
// max_n >= w_len.
template <class Emit>
FRANCA_TEXT_FN void char_wb_ngrams(const std::uint8_t* t, std::int64_t n, const TextOptions& o, Emit& emit) {
  std::int64_t i = 0;
  while (i < n) {
    std::int64_t next = i;
    if (is_space(decode_utf8(t, n, &next))) {
      i = next;
      continue;
    }
    const std::int64_t start = i;
    std::int64_t chars = 0;
    while (i < n) {
      next = i;
      if (is_space(decode_utf8(t, n, &next))) break;
      i = next;
      ++chars;
    }
    const std::int64_t w_len = chars + 2;
    // Windows over " " + word + " ": position -1 is the leading space, `chars` the trailing.
    for (std::int64_t p = -1, pos = start; p <= chars; ++p) {
      Murmur3 m;
      std::int64_t q = p, byte = pos;
      for (std::int64_t len = 1; len <= o.max_n && len < w_len && p + 1 + len <= w_len; ++len, ++q) {
        if (q < 0 || q == chars) {
          m.byte(' ');
        } else {
          const int w = utf8_length(t[byte]);
          m.update(t + byte, w);
          byte += w;
        }
        if (len >= o.min_n) emit_hash(m.finish(), o, emit);
      }
      if (p >= 0 && p < chars) pos += utf8_length(t[pos]);
    }
    if (o.max_n >= w_len) {
      Murmur3 m;
      m.byte(' ');
      m.update(t + start, i - start);
      m.byte(' ');
      emit_hash(m.finish(), o, emit);
    }
  }
}

// Calls emit(column, sign) for every feature of preprocessed text t[0, n) (valid UTF-8).
template <class Emit>
FRANCA_TEXT_FN void analyze(const std::uint8_t* t, std::int64_t n, const TextOptions& o, Emit& emit) {
  switch (o.analyzer) {
    case Analyzer::word:
      word_ngrams(t, n, o, emit);
      break;
    case Analyzer::char_ngram:
      char_ngrams(t, n, o, emit);
      break;
    case Analyzer::char_wb:
      char_wb_ngrams(t, n, o, emit);
      break;
  }
}

}  // namespace franca::text
