#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/expects.hpp"
#include "core/parallel.hpp"
#include "primitives/text_hash.hpp"

namespace franca {

std::string invalid_utf8_message(std::int64_t doc, std::int64_t at) {
  return fmt::format(
      "X: document {} is not valid UTF-8 (ill-formed sequence at byte {} of it) and decode_error='strict'; "
      "set decode_error to 'replace' or 'ignore' to accept it",
      doc, at);
}

void check_string_offsets(const Array& offsets, std::int64_t n_bytes) {
  dispatch_index(offsets.dtype, [&](auto tag) {
    using I = decltype(tag);
    const I* o = offsets.ptr<const I>();
    const std::int64_t n = offsets.size() - 1;
    FRANCA_EXPECTS(o[0] >= 0 && static_cast<std::int64_t>(o[n]) <= n_bytes,
                   "offsets: must lie within the {} bytes of the column (offsets[0] = {}, offsets[{}] = {})", n_bytes,
                   static_cast<std::int64_t>(o[0]), n, static_cast<std::int64_t>(o[n]));
    for (std::int64_t i = 0; i < n; ++i) {
      FRANCA_EXPECTS(o[i] <= o[i + 1], "offsets: must be non-decreasing (offsets[{}] > offsets[{}])", i, i + 1);
    }
  });
}

FlatStrings flatten_strings(const std::vector<std::string>& strings) {
  FlatStrings flat;
  flat.offsets.push_back(0);
  for (const auto& s : strings) {
    flat.bytes += s;
    flat.offsets.push_back(static_cast<std::int64_t>(flat.bytes.size()));
  }
  return flat;
}

namespace {

// Whether bytes [0, n) are all ASCII, eight at a time.
bool is_ascii(const std::uint8_t* s, std::int64_t n) {
  std::int64_t k = 0;
  std::uint64_t any = 0;
  for (; k + 8 <= n; k += 8) {
    std::uint64_t word;
    std::memcpy(&word, s + k, 8);
    any |= word;
  }
  for (; k < n; ++k) any |= s[k];
  return (any & 0x8080808080808080ull) == 0;
}

// Bit k: byte k of the 8 ASCII bytes at s is a word character (text::is_word), computed on the
// 8 bytes at once (they are below 0x80, so no byte's sums carry into the next one).
std::uint64_t ascii_word_bits8(const std::uint8_t* s) {
  std::uint64_t x = 0;
  for (int k = 0; k < 8; ++k) x |= std::uint64_t{s[k]} << (8 * k);  // little-endian order, on any machine
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  // The high bit of each byte of v in [lo, hi].
  auto between = [](std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
    return (v + ones * (128 - lo)) & ~(v + ones * (127 - hi));
  };
  const std::uint64_t underscore = ~((x ^ ones * '_') + ones * 0x7F);
  const std::uint64_t high = (between(x, '0', '9') | between(x | ones * 0x20, 'a', 'z') | underscore) & ones * 0x80;
  // Byte k's high bit (8k + 7) to bit 56 + k, no two products overlapping, then down to bit k.
  return ((high >> 7) * 0x0102040810204080ull) >> 56;
}

// text::analyze for scikit-learn's default analysis, word unigrams, of an ASCII text: the same
// tokens (runs of two or more word characters, stop words dropped) and hashes, the runs found 64
// bytes at a time. A bit per byte says "word character", and the runs of set bits are found by
// counting trailing zeros, so that the scan branches once per token rather than once per byte
// (text::word_ngrams' per-byte branches were the largest part of the hashing of short documents).
template <class Emit>
void ascii_unigrams(const std::uint8_t* t, std::int64_t n, const text::TextOptions& o, Emit& emit) {
  auto token = [&](std::int64_t start, std::int64_t end) {
    if (end - start < 2 || (o.n_stop > 0 && text::is_stop_word(t + start, end - start, o))) return;
    text::Murmur3 m;
    m.update(t + start, end - start);
    text::emit_hash(m.finish(), o, emit);
  };
  std::int64_t start = -1;  // where the token under way began, if one is
  for (std::int64_t base = 0; base < n; base += 64) {
    const int len = static_cast<int>(std::min<std::int64_t>(64, n - base));
    std::uint64_t word = 0;  // bits past len stay 0: a token ends with the text
    int k = 0;
    for (; k + 8 <= len; k += 8) word |= ascii_word_bits8(t + base + k) << k;
    for (; k < len; ++k) word |= static_cast<std::uint64_t>(text::is_word(t[base + k])) << k;
    for (int pos = 0;;) {
      if (start < 0) {
        const std::uint64_t begins = word & (~std::uint64_t{0} << pos);
        if (begins == 0) break;
        pos = __builtin_ctzll(begins);
        start = base + pos;
      }
      const std::uint64_t ends = ~word & (~std::uint64_t{0} << pos);
      if (ends == 0) break;  // the token goes on into the next 64 bytes
      pos = __builtin_ctzll(ends);
      token(start, base + pos);
      start = -1;
    }
  }
  if (start >= 0) token(start, n);
}

// The output of a contiguous run of documents: their columns and values, row by row.
template <class T>
struct Chunk {
  std::vector<std::int32_t> columns;
  std::vector<T> values;
  std::int64_t bad_doc = -1;  // the first document that is not valid UTF-8, if any
  std::int64_t bad_at = 0;
};

template <class T, class I>
CsrMatrix hash_typed(const Context& ctx, const StringColumn& docs, text::TextOptions o,
                     const std::vector<std::string>& stop_words, bool binary, std::optional<RowNorm> norm) {
  const std::int64_t n = docs.size();
  const I* offsets = docs.offsets.ptr<const I>();
  const std::uint8_t* bytes = docs.bytes.ptr<const std::uint8_t>();
  const std::int64_t n_bytes = docs.bytes.size();
  check_string_offsets(docs.offsets, n_bytes);

  const FlatStrings stop = flatten_strings(stop_words);
  o.stop_offsets = stop.offsets.data();
  o.stop_bytes = reinterpret_cast<const std::uint8_t*>(stop.bytes.data());
  o.n_stop = static_cast<std::int32_t>(stop_words.size());

  // More chunks than threads, handed out one at a time, so that a thread given long documents
  // (or less of a shared machine) does not hold up the others.
  const std::int64_t n_chunks = std::min<std::int64_t>(n, std::int64_t{ctx.threads()} * 16);
  std::vector<Chunk<T>> chunks(static_cast<std::size_t>(n_chunks));
  std::vector<std::int64_t> row_nnz(static_cast<std::size_t>(n));
  std::atomic<std::int64_t> next_chunk{0};
  parallel_for(ctx, ctx.threads(), 1, [&](std::int64_t, std::int64_t) {
    std::vector<std::uint8_t> text;
    std::vector<std::uint32_t> keys;  // column << 1 | (sign < 0): sorting them sorts by column
    auto append = [&](std::uint32_t c) {
      if (c < 0x80) {
        text.push_back(static_cast<std::uint8_t>(c));
        return;
      }
      std::uint8_t buf[4];
      const int k = text::encode_utf8(c, buf);
      text.insert(text.end(), buf, buf + k);
    };
    auto emit = [&](std::int32_t column, int sign) {
      keys.push_back(static_cast<std::uint32_t>(column) << 1 | (sign < 0 ? 1u : 0u));
    };
    for (std::int64_t c; (c = next_chunk.fetch_add(1)) < n_chunks;) {
      Chunk<T>& chunk = chunks[static_cast<std::size_t>(c)];
      const std::int64_t first = n * c / n_chunks, last = n * (c + 1) / n_chunks;
      // Room for a word per 4 bytes (a token takes 2 and a separator): most text's outputs fill
      // it without the vectors growing and copying themselves.
      const auto room = static_cast<std::size_t>((offsets[last] - offsets[first]) / 4 + 16);
      chunk.columns.reserve(room);
      chunk.values.reserve(room);
      for (std::int64_t d = first; d < last; ++d) {
        const std::uint8_t* doc = bytes + offsets[d];
        const std::int64_t len = static_cast<std::int64_t>(offsets[d + 1] - offsets[d]);
        text.clear();
        std::int64_t bad = -1;
        bool ascii_words = false;
        if (o.analyzer == text::Analyzer::word && is_ascii(doc, len)) {
          ascii_words = o.max_n == 1;
          // preprocess's own ASCII path, a byte at a time without its per-character calls: the word
          // analyzer collapses no white space, and accents and casing rules leave ASCII as it is.
          // Branch-free, so that the compiler vectorises it.
          text.resize(static_cast<std::size_t>(len));
          std::uint8_t* lower = text.data();
          const std::uint8_t case_bit = o.lowercase ? 32 : 0;
          for (std::int64_t k = 0; k < len; ++k)
            lower[k] = doc[k] | (static_cast<std::uint8_t>(doc[k] - 'A') < 26 ? case_bit : std::uint8_t{0});
        } else {
          bad = text::preprocess(doc, len, o, append);
        }
        if (bad >= 0) {
          chunk.bad_doc = d;
          chunk.bad_at = bad;
          break;
        }
        keys.clear();
        if (ascii_words) {
          ascii_unigrams(text.data(), static_cast<std::int64_t>(text.size()), o, emit);
        } else {
          text::analyze(text.data(), static_cast<std::int64_t>(text.size()), o, emit);
        }
        std::sort(keys.begin(), keys.end());
        const std::size_t before = chunk.columns.size();
        for (std::size_t k = 0; k < keys.size();) {
          const std::uint32_t column = keys[k] >> 1;
          std::int64_t sum = 0;
          for (; k < keys.size() && keys[k] >> 1 == column; ++k) sum += (keys[k] & 1u) ? -1 : 1;
          chunk.columns.push_back(static_cast<std::int32_t>(column));
          chunk.values.push_back(binary ? T(1) : static_cast<T>(sum));
        }
        row_nnz[static_cast<std::size_t>(d)] = static_cast<std::int64_t>(chunk.columns.size() - before);
      }
    }
  });
  for (const auto& chunk : chunks) {
    if (chunk.bad_doc >= 0) throw_error(Status::invalid_argument, invalid_utf8_message(chunk.bad_doc, chunk.bad_at));
  }

  CsrMatrix out;
  out.rows = n;
  out.cols = o.n_features;
  out.indptr = Array::empty(ctx, Device::cpu(), DType::int64, {n + 1});
  std::int64_t* indptr = out.indptr.ptr<std::int64_t>();
  indptr[0] = 0;
  for (std::int64_t d = 0; d < n; ++d) indptr[d + 1] = indptr[d] + row_nnz[static_cast<std::size_t>(d)];
  const std::int64_t nnz = indptr[n];
  out.indices = Array::empty(ctx, Device::cpu(), DType::int32, {nnz});
  out.data = Array::empty(ctx, Device::cpu(), dtype_of<T>::value, {nnz});
  parallel_for(ctx, n_chunks, 1, [&](std::int64_t chunk_begin, std::int64_t chunk_end) {
    for (std::int64_t c = chunk_begin; c < chunk_end; ++c) {
      const Chunk<T>& chunk = chunks[static_cast<std::size_t>(c)];
      const std::int64_t first = n * c / n_chunks, at = indptr[first];
      std::copy(chunk.columns.begin(), chunk.columns.end(), out.indices.ptr<std::int32_t>() + at);
      std::copy(chunk.values.begin(), chunk.values.end(), out.data.ptr<T>() + at);
      // Each row normalised while the chunk's values are in cache, not in a pass of its own.
      if (norm) {
        for (std::int64_t d = first; d < n * (c + 1) / n_chunks; ++d)
          normalize_row(out.data.ptr<T>() + indptr[d], indptr[d + 1] - indptr[d], *norm);
      }
    }
  });
  return out;
}

}  // namespace

template <>
CsrMatrix hash_documents<Backend::cpu>(const Context& ctx, const StringColumn& docs, const text::TextOptions& options,
                                       const std::vector<std::string>& stop_words, bool binary, DType dtype,
                                       std::optional<RowNorm> norm) {
  return dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    return dispatch_index(docs.offsets.dtype, [&](auto itag) {
      using I = decltype(itag);
      return hash_typed<T, I>(ctx, docs, options, stop_words, binary, norm);
    });
  });
}

}  // namespace franca
