#include "service/mail/smtp_mail_sender.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/random.h"
#include "third_party/system/curl_on_demand.h"

namespace latchkey::service::mail {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool HasLineBreak(absl::string_view text) {
  return text.find_first_of(absl::string_view("\r\n\0", 3)) !=
         absl::string_view::npos;
}

// RFC 2047 encoded-word for a subject with non-ASCII text.
std::string EncodeHeaderText(absl::string_view text) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);
  std::string base64;
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(text[i]) << 16) |
                 (static_cast<unsigned char>(text[i + 1]) << 8) |
                 static_cast<unsigned char>(text[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      base64 += kAlphabet[(n >> shift) & 63];
  }
  if (i < text.size()) {
    uint32_t n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    base64 += kAlphabet[(n >> 18) & 63];
    base64 += kAlphabet[(n >> 12) & 63];
    base64 += i + 1 < text.size() ? kAlphabet[(n >> 6) & 63] : '=';
    base64 += '=';
  }
  return absl::StrCat("=?UTF-8?B?", base64, "?=");
}

// A text/plain part (or a whole text-only message body): 8bit UTF-8 with
// CRLF line ends. libcurl doubles a leading "." on a line.
std::string TextPart(absl::string_view text) {
  std::string body = absl::StrReplaceAll(text, {{"\r\n", "\n"}});
  body = absl::StrReplaceAll(body, {{"\n", "\r\n"}});
  return absl::StrCat(
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n",
      body, "\r\n");
}

// A text/html part in base64 (76-character lines), so that no line of a
// project's HTML can exceed SMTP's line limit.
std::string HtmlPart(absl::string_view html) {
  const std::string encoded = absl::Base64Escape(html);
  std::string part =
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&part, absl::string_view(encoded).substr(i, 76), "\r\n");
  }
  return part;
}

// `"Display Name" <address>`, or the bare address without a name. The name
// loses line breaks and control bytes; it is a quoted string when ASCII
// (with " and \\ escaped) and an RFC 2047 encoded-word otherwise.
std::string FromHeader(absl::string_view name, absl::string_view address) {
  std::string clean;
  for (char c : name) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) continue;
    clean += c;
  }
  if (clean.empty()) return std::string(address);
  const std::string encoded = EncodeHeaderText(clean);
  if (encoded != clean) return absl::StrCat(encoded, " <", address, ">");
  return absl::StrCat(
      "\"", absl::StrReplaceAll(clean, {{"\\", "\\\\"}, {"\"", "\\\""}}),
      "\" <", address, ">");
}

// The upload callback's cursor over the rendered message.
struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadPayload(char* buffer, size_t size, size_t count, void* user) {
  Upload* upload = static_cast<Upload*>(user);
  const size_t room = size * count;
  const size_t left = upload->data->size() - upload->offset;
  const size_t n = std::min(room, left);
  memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

}  // namespace

bool IsSafeAddress(absl::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  size_t at = address.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  for (char c : address) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' ||
        c == '>' || c == ',' || c == ';' || c == '"' || c == '\\' || c == '(' ||
        c == ')') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::unique_ptr<SmtpMailSender>> SmtpMailSender::Create(
    SmtpSettings settings) {
  const std::string scheme =
      absl::AsciiStrToLower(settings.url.substr(0, settings.url.find("://")));
  if (scheme != "smtp" && scheme != "smtps") {
    return absl::InvalidArgumentError(
        "LATCHKEY_SMTP_URL must start with smtp:// or smtps://");
  }
  if (!IsSafeAddress(settings.from)) {
    return absl::InvalidArgumentError(
        "LATCHKEY_SMTP_FROM must be one email address");
  }
  if (absl::Status loaded = system::LoadLibcurl(); !loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("SMTP delivery needs libcurl: ", loaded.message()));
  }
  InitCurlOnce();
  return std::unique_ptr<SmtpMailSender>(
      new SmtpMailSender(std::move(settings)));
}

std::string SmtpMailSender::Render(const EmailMessage& message,
                                   absl::string_view message_id) const {
  std::string headers = absl::StrCat(
      "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(),
                       absl::UTCTimeZone()),
      "\r\nFrom: ", FromHeader(message.from_name, settings_.from),
      "\r\nTo: ", message.to,
      "\r\nSubject: ", EncodeHeaderText(message.subject), "\r\nMessage-ID: <",
      message_id, ">\r\nMIME-Version: 1.0\r\n");
  if (message.html.empty()) {
    return absl::StrCat(headers, TextPart(message.text));
  }
  // The boundary is derived from the message id, which is random: it cannot
  // occur in the parts (the HTML is base64, and the text is ours or the
  // project's, which cannot guess it).
  const std::string boundary = absl::StrCat("=_latchkey_", message_id);
  return absl::StrCat(
      headers, "Content-Type: multipart/alternative; boundary=\"", boundary,
      "\"\r\n\r\n--", boundary, "\r\n", TextPart(message.text), "--", boundary,
      "\r\n", HtmlPart(message.html), "--", boundary, "--\r\n");
}

absl::Status SmtpMailSender::Send(const EmailMessage& message) {
  if (!IsSafeAddress(message.to)) {
    return absl::InvalidArgumentError("the recipient is not one email address");
  }
  if (HasLineBreak(message.subject)) {
    return absl::InvalidArgumentError("the subject contains a line break");
  }
  absl::StatusOr<std::string> id = crypto::RandomUuidV4();
  if (!id.ok()) return id.status();
  const std::string domain =
      settings_.from.substr(settings_.from.find('@') + 1);
  const std::string payload = Render(message, absl::StrCat(*id, "@", domain));

  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("libcurl could not start");
  const std::string from = absl::StrCat("<", settings_.from, ">");
  const std::string to = absl::StrCat("<", message.to, ">");
  struct curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  Upload upload{&payload};
  curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadPayload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, settings_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  switch (settings_.tls) {
    case SmtpSettings::Tls::kRequired:
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       static_cast<long>(CURLUSESSL_ALL));
      break;
    case SmtpSettings::Tls::kOpportunistic:
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       static_cast<long>(CURLUSESSL_TRY));
      break;
    case SmtpSettings::Tls::kNone:
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       static_cast<long>(CURLUSESSL_NONE));
      break;
  }
  const CURLcode result = curl_easy_perform(curl);
  long response_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response_code);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (result == CURLE_OK) return absl::OkStatus();
  // Permanent refusals (5xx other than 552) are not worth retrying.
  const std::string why =
      absl::StrCat("SMTP delivery failed: ", curl_easy_strerror(result),
                   response_code > 0 ? absl::StrCat(" (", response_code, ")")
                                     : std::string());
  if (response_code >= 500 && response_code != 552) {
    return absl::FailedPreconditionError(why);
  }
  return absl::UnavailableError(why);
}

}  // namespace latchkey::service::mail
