// English user-interface strings. Keys and {placeholders} must match uk.js and ru.js
// (node src/i18n/check.mjs checks it).

export default {
  "common.skip": "Skip to the main content",
  "common.site": "Referendum",
  "common.nav": "Pages",
  "common.nav.booth": "Vote",
  "common.nav.explorer": "Board explorer",
  "common.nav.results": "Results",
  "common.lang": "Language",
  "common.loading": "Loading…",
  "common.fingerprint": "Election fingerprint",
  "common.fingerprint.hint":
    "Compare it with the fingerprint the election authority published. If they differ, do not use this page.",
  "common.fingerprint.mismatch":
    "The election definition this server sent does not match the fingerprint it announces ({computed} computed on this device, {announced} announced). Do not use this page; report it to the observers.",
  "common.error.load": "Could not load the election data: {detail}",
  "common.error.network": "Could not reach the server ({detail}). Check your connection and try again.",
  "common.error.server": "The server refused the request: {detail}",
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
  "common.nonce": "Nonce (secret random number, now public)",
  "common.notEncrypted": "none: this option is not encrypted; it is {count} minus the options chosen above",
  "common.region": "Region",
  "common.trackingCode": "Tracking code",
  "common.entry": "Board entry number",

  "booth.title": "Voting booth",
  "booth.doctitle": "Voting booth — {title}",
  "booth.closed.heading": "Voting is not open",
  "booth.closed.notYet": "Voting has not opened yet. It opens on {opens} and closes on {closes}.",
  "booth.closed.over": "Voting is closed.",
  "booth.closed.results": "See the results",
  "booth.code.heading": "Step 1 of 3: enter your credential code",
  "booth.code.label": "Credential code",
  "booth.code.hint":
    "20 letters and digits in four groups, like XXXXX-XXXXX-XXXXX-XXXXX. Upper or lower case; dashes and spaces are optional.",
  "booth.code.privacy":
    "Your code never leaves this device: only a public key computed from it is sent to the server.",
  "booth.code.submit": "Continue",
  "booth.code.checking": "Checking your code…",
  "booth.code.error.length":
    "The code has {count} characters, but a credential code has 20 (not counting dashes and spaces). Check the code for a typing mistake.",
  "booth.code.error.character":
    "The character “{char}” (position {position}) cannot appear in a credential code. Codes use the digits 0-9 and the letters A-Z except I, L, O and U.",
  "booth.code.error.check":
    "The code's check character does not match: check the code for a typing mistake.",
  "booth.code.error.notRegistered": "This credential code is not registered for this referendum.",
  "booth.choose.heading": "Step 2 of 3: make your choice",
  "booth.choose.region": "Your ballot: {region}",
  "booth.choose.rule.one": "Choose one option.",
  "booth.choose.rule.oneOrNone": "Choose one option, or leave the question blank.",
  "booth.choose.rule.exactly": "Choose exactly {count} options.",
  "booth.choose.rule.range": "Choose from {min} to {max} options.",
  "booth.choose.rule.upTo": "Choose up to {max} options, or none.",
  "booth.choose.blank": "Leave this question blank",
  "booth.choose.error.count": "“{question}”: you chose {count}. {rule}",
  "booth.choose.encrypt": "Encrypt my ballot",
  "booth.choose.encrypting": "Encrypting your ballot on this device…",
  "booth.choose.restart": "Use another code",
  "booth.review.heading": "Step 3 of 3: your tracking code",
  "booth.review.intro":
    "Your ballot is encrypted. Write down this tracking code: with it you can find your ballot on the public board. It says nothing about how you voted. Nothing has been sent yet.",
  "booth.review.cast": "Cast",
  "booth.review.challenge": "Challenge (check the encryption)",
  "booth.review.castHelp":
    "Cast sends your encrypted ballot to the board. You may vote again later; only your last ballot counts.",
  "booth.review.challengeHelp":
    "Challenge checks that this device encrypted your choice honestly (a Benaloh challenge): the ballot is published together with its secret random numbers, so anyone can see what it contains. A challenged ballot is never counted; afterwards you encrypt your choice again and cast the new ballot.",
  "booth.review.back": "Change my choice",
  "booth.review.casting": "Sending your ballot to the board…",
  "booth.review.challenging": "Sending the challenge to the board…",
  "booth.review.checking": "Checking the board's receipt…",
  "booth.cast.heading": "Your ballot is on the board",
  "booth.cast.summary":
    "The board accepted your ballot as entry {index}. It counts unless you vote again.",
  "booth.check.tracking": "The receipt's tracking code is your ballot's",
  "booth.check.signature": "The board's signature on the checkpoint is valid",
  "booth.check.inclusion": "Inclusion proof verified: your ballot is in the signed board",
  "booth.receipt.failed":
    "The board's receipt does not check out: {detail}. Your ballot has already been sent. Save the receipt as evidence and report this to the observers.",
  "booth.receipt.save": "Save receipt",
  "booth.receipt.saveHelp":
    "The receipt is a small file. Anyone can check it against the election record with: referendum verify RECORD --receipt FILE",
  "booth.receipt.explorer": "Look up your ballot in the board explorer",
  "booth.receipt.again": "Vote again (only your last ballot counts)",
  "booth.challenged.heading": "Your ballot was challenged",
  "booth.challenged.summary":
    "The challenged ballot is on the board as entry {index}, with what it contains. It will not be counted.",
  "booth.challenged.revealed": "What this device encrypted",
  "booth.challenged.check": "Is this what you chose? If not, this device is not encrypting honestly: do not vote with it, and report it.",
  "booth.challenged.howto.heading": "Check it on another device",
  "booth.challenged.howto.explorer": "Open this address on another device:",
  "booth.challenged.howto.cli": "or, with the election record, run:",
  "booth.challenged.again": "Vote again",
  "booth.challenged.againHelp":
    "Encrypts the same choices again with fresh random numbers. You get a new tracking code and can cast it (or challenge again).",

  "explorer.title": "Board explorer",
  "explorer.doctitle": "Board explorer — {title}",
  "explorer.intro":
    "Find a ballot on the public board by its tracking code, and check on this device that the board really holds it.",
  "explorer.lookup.heading": "Find a ballot",
  "explorer.lookup.label": "Tracking code",
  "explorer.lookup.hint":
    "20 letters and digits, like XXXX-XXXX-XXXX-XXXX-XXXX, or the 64-digit tracking hash.",
  "explorer.lookup.submit": "Look up",
  "explorer.lookup.searching": "Looking up the tracking code…",
  "explorer.lookup.invalid":
    "This is not a tracking code: a tracking code has 20 characters, the digits 0-9 and the letters A-Z except I, L, O and U. Check for a typing mistake.",
  "explorer.lookup.notFound": "No ballot with this tracking code is on the board.",
  "explorer.result.heading": "Ballot {code}",
  "explorer.kind": "Kind",
  "explorer.kind.ballot": "cast ballot",
  "explorer.kind.spoiled": "challenged ballot (never counted)",
  "explorer.counted": "Counted",
  "explorer.counted.yes": "yes: it is the last ballot of its credential, the one that counts",
  "explorer.counted.no": "no: the same credential voted again later, and its last ballot counts",
  "explorer.counted.spoiled": "no: a challenged ballot is never counted",
  "explorer.check.code": "The entry's tracking code is the one you looked up",
  "explorer.check.signature": "The board's signature on the checkpoint is valid",
  "explorer.check.inclusion": "Inclusion proof: the entry is in the signed board",
  "explorer.check.ballot": "The ballot's signature and proofs verify",
  "explorer.check.spoiled": "The revealed choices give exactly the ballot's encryption",
  "explorer.revealed.heading": "What this challenged ballot contains",
  "explorer.checkpoint.heading": "Latest checkpoint",
  "explorer.checkpoint.size": "Board size (entries)",
  "explorer.checkpoint.root": "Root hash",
  "explorer.checkpoint.signature": "The board's signature on this checkpoint is valid",
  "explorer.checkpoint.matches": "The signed checkpoint states this size and root",
  "explorer.checkpoint.text": "The signed checkpoint text",
  "explorer.checkpoint.refresh": "Refresh",
  "explorer.cosigned.heading": "Checkpoint co-signed by witnesses",
  "explorer.cosigned.none": "No witness has co-signed a checkpoint yet.",
  "explorer.cosigned.noWitnesses": "The election definition names no witnesses.",
  "explorer.cosigned.witness": "Co-signature of {name}",
  "explorer.consistency":
    "Consistency proof: the current board (size {second}) extends the co-signed one (size {first})",

  "results.title": "Results",
  "results.doctitle": "Results — {title}",
  "results.notCounted":
    "The results are shown only after the count. The board has {size} entries so far.",
  "results.entry": "The results are board entry {index}.",
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
    "The record holds every board entry with its proofs. Anyone can check that the results follow from the ballots with the independent verifier:",
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
};
