// English user-interface strings. Keys and {placeholders} must match uk.js and ru.js
// (node src/i18n/check.mjs checks it).

export default {
  "common.skip": "Skip to the main content",
  "common.site": "Referendum",
  "common.nav": "Pages",
  "common.nav.booth": "Vote",
  "common.nav.explorer": "Find a ballot",
  "common.nav.results": "Results",
  "common.lang": "Language",
  "common.loading": "Loading…",
  "common.fingerprint": "Election fingerprint",
  "common.fingerprint.hint":
    "Compare it with the fingerprint the election authority published. If they differ, do not use this page.",
  "common.fingerprint.mismatch":
    "The election definition this server sent does not match the fingerprint it announces ({computed} computed on this device, {announced} announced). Do not use this page; report it to the observers.",
  "common.error.load": "Could not load the election data: {detail}",
  "common.error.heading": "This page cannot continue",
  "common.check.ok": "passed",
  "common.check.fail": "failed",
  "common.check.skipped": "not checked",
  "common.checks": "Checks made on this device",
  "common.utc": "{time} UTC",
  "common.chosen": "chosen",
  "common.notChosen": "not chosen",
  "common.option": "Option",
  "common.vote": "Vote",
  "common.nonce": "Secret random number of the encryption (secret before, published now)",
  "common.notEncrypted": "none: this option is not encrypted; it is {count} minus the options chosen above",
  "common.region": "Region",
  "common.trackingCode": "Tracking code",
  "common.entry": "Entry number on the public list",

  "booth.title": "Voting booth",
  "booth.doctitle": "Voting booth — {title}",
  "booth.closed.heading": "Voting is not open",
  "booth.closed.notYet": "Voting has not opened yet. It opens on {opens} and closes on {closes}.",
  "booth.closed.over": "Voting is closed.",
  "booth.closed.results": "See the results",
  "booth.code.heading": "Step 1 of 3: type your voting code",
  "booth.code.label": "Voting code",
  "booth.code.hint":
    "20 letters and digits in four groups, like XXXXX-XXXXX-XXXXX-XXXXX. Upper or lower case; dashes and spaces are optional.",
  "booth.code.privacy":
    "Your code stays on this device: only a number computed from it is sent, and that number does not reveal the code.",
  "booth.code.submit": "Continue",
  "booth.code.checking": "Checking your code…",
  "booth.code.error.length":
    "The code has {count} characters, but a voting code has 20 (not counting dashes and spaces). Check the code for a typing mistake.",
  "booth.code.error.character":
    "The character “{char}” (position {position}) cannot appear in a voting code. Codes use the digits 0-9 and the Latin letters A-Z except I, L, O and U.",
  "booth.code.error.check":
    "The code's check character does not match: check the code for a typing mistake.",
  "booth.code.error.notRegistered": "This voting code is not registered for this referendum.",
  "booth.code.headingMany": "Step 1 of 3: type your voting codes",
  "booth.code.intro":
    "You received {count} letters with voting codes, one from each registrar ({names}). Type the code from each letter into its own box below. You need all {count} codes to vote. If you mix up the boxes, that is fine too.",
  "booth.code.introNumbered":
    "You received {count} letters with voting codes, each from a different registrar. Type the code from each letter into its own box below. You need all {count} codes to vote, in any order.",
  "booth.code.labelFrom": "Code from {registrar}",
  "booth.code.labelNumber": "Code {number} of {count}",
  "booth.code.privacyMany":
    "Your codes stay on this device: only a number computed from them is sent, and that number does not reveal the codes.",
  "booth.code.checkingMany": "Checking your codes…",
  "booth.code.error.which": "{code}: {problem}",
  "booth.code.error.empty": "This box is empty: type the voting code here.",
  "booth.code.error.same":
    "This is the same code as in the box “{other}”. Every letter has a different code: type here the code from the other letter.",
  "booth.code.error.notRegisteredMany":
    "These codes together are not registered for this referendum. Check each code against its letter, character by character: every letter must be addressed to you.",
  "booth.choose.heading": "Step 2 of 3: make your choice",
  "booth.choose.region": "Your ballot: {region}",
  "booth.choose.rule.one": "Choose one option.",
  "booth.choose.rule.oneOrNone": "Choose one option, or leave the question blank.",
  "booth.choose.rule.exactly": "Choose exactly {count} options.",
  "booth.choose.rule.range": "Choose from {min} to {max} options.",
  "booth.choose.rule.upTo": "Choose up to {max} options, or none.",
  "booth.choose.blank": "Leave this question blank",
  "booth.choose.error.count": "“{question}”: you chose {count}. {rule}",
  "booth.choose.encrypt": "Continue",
  "booth.choose.encrypting": "Encrypting your ballot on this device…",
  "booth.choose.restart": "Use another code",
  "booth.review.heading": "Step 3 of 3: check your choice and vote",
  "booth.review.intro":
    "Your ballot's tracking code. Write it down if you wish: with it you can find your ballot on the public list of ballots later. It does not show how you voted.",
  "booth.review.cast": "Cast my vote",
  "booth.review.challenge": "Check the encryption; this ballot will not be counted",
  "booth.review.castHelp":
    "Your ballot is sealed (encrypted) on this device and sent to be counted. Nobody can see how you voted.",
  "booth.review.challengeHelp":
    "You can check that this device sealed your choice honestly. The ballot is then opened for checking on another device, so it will not be counted; afterwards you vote again here.",
  "booth.review.back": "Change my choice",
  "booth.review.casting": "Sending your ballot…",
  "booth.review.challenging": "Sending the ballot to be checked…",
  "booth.review.checking": "Checking the receipt…",
  "booth.cast.heading": "Your vote is recorded",
  "booth.cast.summary":
    "Your ballot is on the public list of ballots as entry {index}. It counts unless you vote again.",
  "booth.check.tracking": "The receipt is for your ballot (the same tracking code)",
  "booth.check.signature": "The receipt is signed by the referendum's server",
  "booth.check.inclusion": "The signed list of ballots includes your ballot",
  "booth.receipt.failed":
    "The receipt does not check out: {detail}. Your ballot has already been sent. Save the receipt as evidence and report this to the election observers.",
  "booth.receipt.save": "Save the receipt file (for the verifier program)",
  "booth.receipt.saveHelp":
    "Anyone can check this file against the election record with: referendum verify RECORD --receipt FILE",
  "booth.receipt.explorer": "Or open this address:",
  "booth.receipt.again": "Vote again",
  "booth.challenged.heading": "Check this ballot on another device",
  "booth.challenged.summary":
    "This ballot was opened for checking and published as entry {index}. It will not be counted.",
  "booth.challenged.revealed": "What this device says it encrypted",
  "booth.challenged.check": "Does the other device show exactly what you chose? If not, this device is not honest: do not vote with it, and tell the election observers.",
  "booth.challenged.howto.cli": "With the election record, the verifier program checks it too:",
  "booth.challenged.again": "Now vote",
  "booth.challenged.againHelp":
    "Your choice is sealed again, with new secret random numbers, and you get a new tracking code. Then cast it (or check again).",

  "explorer.title": "Find a ballot",
  "explorer.doctitle": "Find a ballot — {title}",
  "explorer.intro":
    "Find a ballot on the public list by its tracking code, and check on this device that the list really holds it.",
  "explorer.lookup.heading": "Find a ballot",
  "explorer.lookup.label": "Tracking code",
  "explorer.lookup.hint":
    "20 letters and digits, like XXXX-XXXX-XXXX-XXXX-XXXX, or the 64-digit tracking hash.",
  "explorer.lookup.submit": "Look up",
  "explorer.lookup.searching": "Looking up the tracking code…",
  "explorer.lookup.invalid":
    "This is not a tracking code: a tracking code has 20 characters, the digits 0-9 and the letters A-Z except I, L, O and U. Check for a typing mistake.",
  "explorer.lookup.notFound": "No ballot with this tracking code is on the public list.",
  "explorer.result.heading": "Ballot {code}",
  "explorer.kind": "Kind",
  "explorer.kind.ballot": "cast ballot",
  "explorer.kind.spoiled": "challenged ballot (never counted)",
  "explorer.counted": "Counted",
  "explorer.counted.yes": "yes: it is the last ballot of its credential, the one that counts",
  "explorer.counted.no": "no: the same credential voted again later, and its last ballot counts",
  "explorer.counted.spoiled": "no: a challenged ballot is never counted",
  "explorer.check.code": "The entry's tracking code is the one you looked up",
  "explorer.check.signature": "The public list's signature on this summary is valid",
  "explorer.check.inclusion": "Inclusion proof: the entry is in the signed list",
  "explorer.check.ballot": "The ballot's signature and proofs verify",
  "explorer.check.spoiled": "The revealed choices give exactly the ballot's encryption",
  "explorer.revealed.heading": "What this challenged ballot contains",
  "explorer.checkpoint.heading": "Latest checkpoint",
  "explorer.checkpoint.size": "Size of the public list (entries)",
  "explorer.checkpoint.root": "Root hash",
  "explorer.checkpoint.signature": "The public list's signature on this summary is valid",
  "explorer.checkpoint.matches": "The signed checkpoint states this size and root",
  "explorer.checkpoint.text": "The signed checkpoint text",
  "explorer.checkpoint.refresh": "Refresh",
  "explorer.cosigned.heading": "Checkpoint co-signed by witnesses",
  "explorer.cosigned.none": "No witness has co-signed a checkpoint yet.",
  "explorer.cosigned.noWitnesses": "The election definition names no witnesses.",
  "explorer.cosigned.witness": "Co-signature of {name}",
  "explorer.consistency":
    "Consistency proof: the current list (size {second}) extends the one the witnesses signed (size {first})",

  "results.title": "Results",
  "results.doctitle": "Results — {title}",
  "results.notCounted":
    "The results are shown only after the count. So far the public list has {size} entries.",
  "results.entry": "The results are entry {index} of the public list.",
  "results.trustees": "Decrypted with the shares of trustees: {names}.",
  "results.rejected": "Rejected decryption share of {name}: {reason}",
  "results.turnout": "Turnout: {percent} ({counted} of {eligible} eligible voters)",
  "results.optionCount": "{count} ({percent})",
  "results.votes": "Votes",
  "results.shareNote": "Percentages are of the ballots counted.",
  "results.total.heading": "All regions together",
  "results.record.heading": "Check the results yourself",
  "results.record.link": "Download the election record (zip)",
  "results.record.howto":
    "The record holds every entry of the public list with its proofs. Anyone can check that the results follow from the ballots with the independent verifier:",

  // issue 15: booth
  "common.error.offline": "No connection to the server. Check your internet connection and try again.",
  "common.problem.rateLimited": "Too many attempts with this code in a short time. Wait {seconds} seconds and try again.",
  "common.problem.closed": "Voting is not open now, so the ballot was not accepted.",
  "common.problem.notRegistered": "This voting code is not on the list of voters of this referendum.",
  "common.problem.wrongRegion": "This voting code belongs to another region's ballot. Start again with your code.",
  "common.problem.repeated": "This ballot is already on the public list. To vote again, confirm your choice again: a new ballot is made.",
  "common.problem.ballotInvalid": "The server found a fault in the ballot this device made and did not accept it. Try again; if it happens again, use another device and tell the election observers.",
  "common.problem.unreadable": "The server could not read what this device sent. Reload the page and try again.",
  "common.problem.slow": "The connection is too slow: the data did not arrive in time. Try again.",
  "common.problem.unavailable": "The server has a temporary problem. Wait a minute and try again.",
  "common.problem.outcomeUnknown": "The server failed while saving your ballot: it is not known whether it was recorded. Press “Try again”: the page first looks whether it is already on the list.",
  "common.problem.receiptUnavailable": "Your ballot is on the list, but its receipt could not be made. Press “Try again” to get it.",
  "common.problem.unknownCode": "No ballot with this tracking code is on the public list.",
  "common.problem.badCode": "This tracking code has a typing mistake: check it against your receipt, character by character.",
  "common.problem.notFound": "There is no such page or address.",
  "common.problem.notCounted": "The votes have not been counted yet.",
  "common.problem.other": "The server refused the request (error {status}).",
  "booth.review.recap": "You chose:",
  "booth.review.blank": "left blank",
  "booth.review.retry": "Try again",
  "booth.review.checkHeading": "Not sure this device is honest?",
  "booth.review.locked": "This ballot was sent to be cast, so it can no longer be opened for checking.",
  "booth.cast.done": "Your vote is recorded. You can close this page.",
  "booth.receipt.heading": "Your receipt",
  "booth.receipt.why": "Keep it if you want to check later that your ballot is on the list: save it as a picture, or print it. It does not show how you voted.",
  "booth.receipt.qr": "Scan this code with a phone to see your ballot on the public list.",
  "booth.receipt.qrLabel": "QR code of the address {url}",
  "booth.receipt.picture": "Save as a picture",
  "booth.receipt.print": "Print",
  "booth.details": "Technical details",
  "booth.revote.heading": "Changed your mind, or did someone watch you vote?",
  "booth.revote.text": "You can vote again while voting is open: only your last vote counts, and nobody can see how you voted in any of them. But voting again is not hidden: the public list shows, in order, every ballot sent with your voting code, so someone who saw the tracking code of an earlier vote can find out that it was replaced.",
  "booth.challenged.scan": "On another phone, scan this code with the camera. It opens this ballot on the public list and shows what it contains.",
  "booth.challenged.type": "Or, on the other device, open this address and type this tracking code:",
  // issue 15: codes
  "explorer.lookup.typo":
    "This code has a typo: a character does not match the code's check character. Check it against your receipt, character by character.",
  "explorer.lookup.credential":
    "This is the secret code you vote with, not a tracking code. It was not sent anywhere. Do not show it to anyone; your tracking code is on your receipt.",
  "explorer.lookup.missing":
    "If the code is exactly the one on your receipt, your ballot is missing: keep the receipt and tell the observers of this referendum ({observers}). Anyone can check the receipt against the election record with: referendum verify RECORD --receipt FILE",
  "explorer.lookup.missingNoObservers":
    "If the code is exactly the one on your receipt, your ballot is missing: keep the receipt and tell the referendum's observers. Anyone can check the receipt against the election record with: referendum verify RECORD --receipt FILE",
  "explorer.counted.unknown":
    "shown after voting closes. Until then this page does not say whether the same voter voted again; only the last ballot will count",
  // issue 14: booth
  "common.booth.ok": "These pages are the booth this referendum's definition names (checked on this device).",
  "common.booth.mismatch":
    "These pages are not the booth this referendum's definition names ({got} computed on this device, {want} named). Do not vote with them: open the booth from a source you trust, and report it to the observers.",
  "common.booth.unreadable":
    "This device could not check that these pages are the booth this referendum's definition names ({want}). Open the booth from a source you trust before voting.",
  "common.booth.badAddress": "The page's address is not usable ({detail}): board= must be an http or https address, fp= 64 hexadecimal digits.",
  "common.booth.fpGiven":
    "The election definition the board sent does not match the fingerprint in this page's address ({computed} computed on this device, {announced} in the address). Do not use this board; report it to the observers.",
};
