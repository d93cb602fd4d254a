// Polish and English for every word the client shows.
//
// The language comes from the visitor's own choice (remembered in
// localStorage), else from navigator.languages (the first Polish or English
// entry decides), else English. Static text in the pages is marked with
//   data-i18n="key"                       -> textContent
//   data-i18n-attr="placeholder:key; aria-label:key"
// and is filled in by applyTranslations(). Everything built by script
// calls t() and re-renders from onLangChange().

const STORAGE_KEY = 'aula.lang';
export const LANGS = ['pl', 'en'];

// A value is a string, or an object of plural forms (Intl.PluralRules
// categories) chosen by params.n. "{name}" is replaced by params.name.
const STRINGS = {
  en: {
    skipToContent: 'Skip to main content',
    homeLink: 'aula — home page',
    loading: 'Loading…',
    tryAgain: 'Try again',
    goHome: 'Go to the home page',

    // Home page
    homeDocTitle: 'aula — meet online',
    heroHeading: 'Meet online',
    heroText: 'Start a meeting, send the link to others and talk in your browser. No account and no app needed.',
    titleLabel: 'Meeting name (you can leave it empty)',
    titlePlaceholder: 'for example: Maths 4B',
    defaultTitle: 'Meeting',
    newMeeting: 'New meeting',
    creating: 'Creating the meeting…',
    createFailed: 'The meeting could not be created. Please try again.',
    createBadTitle: 'This meeting name cannot be used. Try a shorter name without unusual characters.',
    createOffline: 'The server cannot be reached. Check your internet connection and try again.',
    readyHeading: 'Your meeting is ready',
    readyText: 'Send this link to the people you want to meet. They only need to open it and type their name.',
    linkLabel: 'Link to the meeting',
    copyLink: 'Copy link',
    copied: 'Link copied. You can paste it into an e-mail or a message.',
    copyFailed: 'Copying did not work. Select the link and copy it yourself.',
    joinNow: 'Join now',
    anotherMeeting: 'Start another meeting',
    haveLinkHeading: 'Did someone send you a link or a code?',
    codeLabel: 'Meeting link or code',
    codePlaceholder: 'for example: abc-defg-hjk',
    goToMeeting: 'Go to the meeting',
    codeEmpty: 'Please type or paste the link or the code.',
    codeInvalid: 'This does not look like a meeting link or code. Please check it and try again.',

    // Home page: options, host link, accounts
    optionsLegend: 'Options (you can skip them)',
    roomPasswordLabel: 'Password for the meeting',
    roomPasswordHint: 'Leave it empty for no password. People will need it to join.',
    roomLobbyLabel: 'Waiting room: I let each person in myself',
    hostLinkLabel: 'Your host link (keep it to yourself)',
    hostLinkHint: 'Whoever opens this link can run the meeting: mute, remove and let people in.',
    copyHostLink: 'Copy host link',
    readyHasPassword: 'People will need the password to join.',
    readyHasLobby: 'The waiting room is on: you let people in.',
    accountHeading: 'For hosts: your account',
    accountText: 'With an account you see all your meetings here. Nobody else needs an account.',
    logIn: 'Log in',
    signUp: 'Create an account',
    logOut: 'Log out',
    emailLabel: 'E-mail',
    passwordLabelAccount: 'Password',
    signupNameLabel: 'Your name',
    signupPasswordHint: 'At least 10 characters.',
    loginEmpty: 'Please type your e-mail and your password.',
    loginWrong: 'Wrong e-mail or password. Please try again.',
    signupEmpty: 'Please type your name and your e-mail.',
    signupShortPassword: 'The password must have at least 10 characters.',
    signupTaken: 'There is already an account with this e-mail. Log in instead.',
    accountFailed: 'That did not work. Please try again.',
    loggedInAs: 'Logged in as {name} ({email})',
    myMeetings: 'My meetings',
    noMeetings: 'You have no meetings yet. Start one above.',
    openMeeting: 'Open',
    openMeetingOf: 'Open as host: {name}',
    copyParticipantLink: 'Copy link',
    copyParticipantLinkOf: 'Copy link: {name} (for participants)',
    copyHostLinkShort: 'Copy host link',
    copyHostLinkShortOf: 'Copy host link: {name}',
    // Join page
    joinLead: 'You are joining the meeting',
    peopleNow: {
      zero: 'Nobody is here yet.',
      one: '1 person is here now.',
      other: '{n} people are here now.',
    },
    nameLabel: 'Your name',
    nameHint: 'Other people in the meeting will see this name.',
    join: 'Join',
    joining: 'Joining…',
    nameEmpty: 'Please type your name.',
    nameInvalid: 'This name cannot be used. Please use up to 64 letters, numbers or spaces.',
    joinFailed: 'Joining did not work. Please try again.',
    joinOffline: 'The server cannot be reached. Check your internet connection and try again.',
    notFoundHeading: 'This meeting does not exist',
    notFoundText: 'The link does not lead to any meeting. Check that the whole link was copied, or ask the person who invited you to send it again.',
    loadErrorHeading: 'The server cannot be reached',
    loadErrorText: 'Check your internet connection and try again.',

    // Room
    copyInvite: 'Copy invite link',
    inviteCopied: 'Invite link copied.',
    leave: 'Leave',
    peopleHeading: 'People ({n})',
    you: '(you)',
    chatHeading: 'Chat',
    chatEmpty: 'No messages yet. Say hello!',
    showEarlier: 'Show earlier messages',
    loadingEarlier: 'Loading earlier messages…',
    earlierFailed: 'Earlier messages could not be loaded. Please try again.',
    messageLabel: 'Your message',
    messagePlaceholder: 'Type a message…',
    send: 'Send',
    msgEmpty: 'Type a message first.',
    msgTooLong: 'This message is too long. You can send up to 2000 characters — please make it shorter.',
    msgInvalid: 'This message contains characters that cannot be sent.',
    rateLimited: 'You are sending messages too fast. Wait a few seconds and try again.',
    storageFailed: 'The message was not saved. Please try again.',
    notConnected: 'You are not connected right now. Wait a moment until the connection is back.',
    sendFailed: 'The message could not be sent. Please try again.',
    serverSaid: 'The server said: {msg}',
    reconnecting: 'Connection lost — reconnecting…',
    reconnected: 'Connected again.',
    announceJoined: '{name} joined the meeting.',
    announceLeft: '{name} left the meeting.',
    announceMessage: 'Message from {name}: {text}',
    leftHeading: 'You have left the meeting',
    leftText: 'You can come back whenever you like.',
    joinAgain: 'Join again',
    videoHeading: 'Video',
    micLabel: 'Microphone',
    camLabel: 'Camera',
    micIsOff: 'microphone off',
    camIsOff: 'camera off',
    speaking: 'speaking',
    mediaDenied: 'You did not allow the camera and microphone, so the others cannot see or hear you. You can still use the chat. To change this, allow them in the address bar and join again.',
    mediaNoDevice: 'Some devices were not found (camera or microphone). You can still use the chat.',
    mediaStartFailed: 'The camera and microphone could not be started. You can still use the chat.',
    mediaConnFailed: 'The audio and video connection was lost. Leave and join again to try once more.',
    clickForSound: 'Click anywhere on the page to hear the others.',
    shareScreen: 'Share screen',
    stopSharing: 'Stop sharing',
    screenHeading: 'Shared screen',
    screenOf: '{name} is sharing the screen',
    screenYours: 'You are sharing your screen',
    screenFailed: 'Your screen could not be shared.',
    announceScreen: '{name} started sharing the screen.',
    // Join screen (preview)
    previewLabel: 'Your camera preview',
    previewCamOff: 'Your camera is off',
    previewNoVideo: 'No camera picture',
    micLevelLabel: 'Microphone level (speak to test it)',
    cameraLabel: 'Camera',
    microphoneLabel: 'Microphone',
    cameraN: 'Camera {n}',
    microphoneN: 'Microphone {n}',
    noCamera: 'No camera found',
    noMicrophone: 'No microphone found',
    previewDenied: 'Your browser did not allow the camera and microphone. You can still join: the others will not see or hear you, but you can see, hear and chat. To allow them, click the camera sign in the address bar and reload the page.',
    previewNoDevice: 'No camera and no microphone were found. You can still join to see, hear and chat.',
    previewNoMic: 'No microphone was found: the others will not hear you. You can still join.',
    previewNoCamera: 'No camera was found: the others will not see you. You can still join.',
    previewBusy: 'The camera or microphone is being used by another program. Close that program and reload the page, or join without them.',
    previewFailed: 'The camera and microphone could not be started. You can still join without them.',
    joinCamOff: 'Join with my camera off',
    joinMicOff: 'Join with my microphone off',
    joinAsHost: 'You are joining as a host of this meeting.',
    passwordLabel: 'Meeting password',
    passwordHint: 'The person who invited you knows it.',
    passwordNeeded: 'This meeting needs a password. Please type it.',
    passwordWrong: 'This password is not right. Please check it and try again.',
    roomLocked: 'The meeting is locked: nobody new can join right now. Ask the host to unlock it.',
    tokenInvalid: 'Your invitation to this meeting is no longer valid. Please join again.',

    // Waiting room
    lobbyHeading: 'Please wait, the host will let you in',
    lobbyText: 'The host knows you are here. Keep this page open: you will join by yourself as soon as you are let in.',
    lobbyLeave: 'Stop waiting',

    // End screens
    removedHeading: 'A host removed you from the meeting',
    removedText: 'You are no longer in this meeting. If you think this was a mistake, contact the person who invited you.',
    endedHeading: 'The meeting has ended',
    endedText: 'A host ended the meeting for everyone. Thank you for taking part!',
    declinedHeading: 'The host did not let you in',
    declinedText: 'You cannot join this meeting now. If you think this was a mistake, contact the person who invited you.',
    replacedHeading: 'This meeting is open in another window',
    replacedText: 'You joined the same meeting from another tab or window, so this one was disconnected. Use the other one.',
    lockedHeading: 'The meeting is locked',
    lockedText: 'Nobody new can join right now. Ask the host to unlock it, then open the link again.',

    // Room: toolbar
    toolbarLabel: 'Meeting controls',
    raiseHand: 'Raise hand',
    lowerHand: 'Lower hand',
    reactions: 'Reactions',
    reactThumbs: 'Thumbs up',
    reactClap: 'Applause',
    reactHeart: 'Heart',
    reactLaugh: 'Laughing',
    reactWow: 'Surprised',
    reactParty: 'Celebration',
    announceReaction: '{name} reacted: {what}',
    speakerView: 'Speaker view',
    gridView: 'Grid view',
    devices: 'Camera and microphone',
    deviceSwitchFailed: 'This device could not be started. Choose another one.',
    micSwitched: 'Microphone changed.',
    camSwitched: 'Camera changed.',
    pagesLabel: 'Pages of video tiles',
    pagePrev: 'Previous page',
    pageNext: 'Next page',
    pageInfo: 'Page {page} of {pages}',
    handUpN: 'hand raised, number {n} in line',
    roleHost: 'host',
    roleCohost: 'co-host',

    // Room: host controls
    hostHeading: 'Meeting controls',
    lockRoom: 'Lock the meeting',
    unlockRoom: 'Unlock the meeting',
    waitingRoom: 'Waiting room',
    waitingRoomOn: 'Waiting room: on',
    waitingRoomOff: 'Waiting room: off',
    endMeeting: 'End meeting for everyone',
    endConfirm: 'End the meeting for everyone? Everybody will be disconnected.',
    endYes: 'Yes, end it',
    cancel: 'Cancel',
    lockedNow: 'The meeting is locked: nobody new can join.',
    unlockedNow: 'The meeting is unlocked: people can join again.',
    lobbyOnNow: 'The waiting room is on: you decide who comes in.',
    lobbyOffNow: 'The waiting room is off: people come straight in.',
    flagLocked: 'Locked',
    flagLobby: 'Waiting room on',
    waitingHeading: {
      one: '1 person is waiting to come in',
      other: '{n} people are waiting to come in',
    },
    admit: 'Let in',
    admitName: 'Let in: {name}',
    decline: 'Decline',
    declineName: 'Decline: {name}',
    admitted: '{name} was let in.',
    declined: '{name} was not let in.',
    announceWaiting: '{name} is waiting to come in.',
    handsHeading: {
      one: 'Raised hands (1), in order',
      other: 'Raised hands ({n}), in order',
    },
    lowerHandShort: 'Lower',
    lowerHandOf: 'Lower the hand of {name}',
    announceHand: '{name} raised a hand.',
    optionsFor: 'Options for {name}',
    allowUnmute: 'Let them turn it back on',
    muteMic: 'Mute microphone',
    muteCam: 'Turn off camera',
    makeCohost: 'Make co-host',
    removeCohost: 'Take away co-host',
    removePerson: 'Remove from the meeting',
    removeYes: 'Yes, remove {name}',
    mutedMicOf: 'The microphone of {name} is muted.',
    mutedCamOf: 'The camera of {name} is turned off.',
    madeCohost: '{name} is now a co-host.',
    unmadeCohost: '{name} is no longer a co-host.',
    removedPerson: '{name} was removed from the meeting.',
    hostActionFailed: 'That did not work. Please try again.',
    hostActionFailedWhy: 'That did not work: {msg}',

    // Room: what hosts did to me
    aHost: 'A host',
    hostMutedMic: '{name} muted your microphone. You can turn it back on when you want to speak.',
    hostMutedMicLocked: '{name} muted your microphone. Raise your hand to ask to speak.',
    hostMutedCam: '{name} turned off your camera. You can turn it back on.',
    hostMutedCamLocked: '{name} turned off your camera. Raise your hand if you want to ask to turn it on.',
    stillMutedByHost: 'A host muted your microphone. Raise your hand to ask to speak.',
    stillCamOffByHost: 'A host turned off your camera. Raise your hand to ask to turn it on.',
    unmuteAllowedMic: 'A host lets you turn your microphone back on.',
    unmuteAllowedCam: 'A host lets you turn your camera back on.',
    youAreCohost: 'You are now a co-host: you can use the meeting controls.',
    youAreHost: 'You are now a host of this meeting.',
    youAreParticipant: 'You are no longer a co-host.',

    // Room: chat
    chatToLabel: 'To',
    toEveryone: 'Everyone',
    toHosts: 'Hosts only',
    toHostsTag: 'to hosts only',
    pendingLabel: 'Messages waiting to be sent',
    pendingNote: 'waiting for the connection — will be sent by itself',
    queuedOffline: 'You are not connected right now. Your message will be sent as soon as the connection is back.',
    mediaReconnecting: 'The audio and video connection was lost — connecting it again…',
    yesterday: 'yesterday',
  },
  pl: {
    skipToContent: 'Przejdź do treści',
    homeLink: 'aula — strona główna',
    loading: 'Ładowanie…',
    tryAgain: 'Spróbuj ponownie',
    goHome: 'Przejdź na stronę główną',

    homeDocTitle: 'aula — spotkania online',
    heroHeading: 'Spotkajmy się online',
    heroText: 'Załóż spotkanie, wyślij link innym osobom i rozmawiajcie w przeglądarce. Bez zakładania konta i bez instalowania programów.',
    titleLabel: 'Nazwa spotkania (można zostawić puste)',
    titlePlaceholder: 'na przykład: Matematyka 4B',
    defaultTitle: 'Spotkanie',
    newMeeting: 'Nowe spotkanie',
    creating: 'Tworzę spotkanie…',
    createFailed: 'Nie udało się utworzyć spotkania. Spróbuj ponownie.',
    createBadTitle: 'Tej nazwy spotkania nie można użyć. Wpisz krótszą nazwę bez nietypowych znaków.',
    createOffline: 'Nie można połączyć się z serwerem. Sprawdź połączenie z internetem i spróbuj ponownie.',
    readyHeading: 'Twoje spotkanie jest gotowe',
    readyText: 'Wyślij ten link osobom, z którymi chcesz się spotkać. Wystarczy, że go otworzą i wpiszą swoje imię.',
    linkLabel: 'Link do spotkania',
    copyLink: 'Kopiuj link',
    copied: 'Link skopiowany. Możesz go wkleić do e-maila lub wiadomości.',
    copyFailed: 'Kopiowanie nie zadziałało. Zaznacz link i skopiuj go samodzielnie.',
    joinNow: 'Wejdź teraz',
    anotherMeeting: 'Załóż kolejne spotkanie',
    haveLinkHeading: 'Ktoś przysłał Ci link lub kod?',
    codeLabel: 'Link lub kod spotkania',
    codePlaceholder: 'na przykład: abc-defg-hjk',
    goToMeeting: 'Przejdź do spotkania',
    codeEmpty: 'Wpisz lub wklej link albo kod.',
    codeInvalid: 'To nie wygląda na link ani kod spotkania. Sprawdź go i spróbuj ponownie.',

    optionsLegend: 'Opcje (można pominąć)',
    roomPasswordLabel: 'Hasło do spotkania',
    roomPasswordHint: 'Zostaw puste, jeśli bez hasła. Uczestnicy będą go potrzebować, aby dołączyć.',
    roomLobbyLabel: 'Poczekalnia: sam wpuszczam każdą osobę',
    hostLinkLabel: 'Twój link prowadzącego (zachowaj go dla siebie)',
    hostLinkHint: 'Kto otworzy ten link, może prowadzić spotkanie: wyciszać, usuwać i wpuszczać innych.',
    copyHostLink: 'Kopiuj link prowadzącego',
    readyHasPassword: 'Uczestnicy będą potrzebować hasła, aby dołączyć.',
    readyHasLobby: 'Poczekalnia jest włączona: to ty wpuszczasz uczestników.',
    accountHeading: 'Dla prowadzących: twoje konto',
    accountText: 'Z kontem widzisz tu wszystkie swoje spotkania. Nikt inny nie potrzebuje konta.',
    logIn: 'Zaloguj się',
    signUp: 'Załóż konto',
    logOut: 'Wyloguj się',
    emailLabel: 'E-mail',
    passwordLabelAccount: 'Hasło',
    signupNameLabel: 'Twoje imię',
    signupPasswordHint: 'Co najmniej 10 znaków.',
    loginEmpty: 'Wpisz swój e-mail i hasło.',
    loginWrong: 'Nieprawidłowy e-mail lub hasło. Spróbuj ponownie.',
    signupEmpty: 'Wpisz swoje imię i e-mail.',
    signupShortPassword: 'Hasło musi mieć co najmniej 10 znaków.',
    signupTaken: 'Istnieje już konto z tym e-mailem. Zaloguj się.',
    accountFailed: 'To się nie udało. Spróbuj ponownie.',
    loggedInAs: 'Zalogowano jako {name} ({email})',
    myMeetings: 'Moje spotkania',
    noMeetings: 'Nie masz jeszcze spotkań. Załóż pierwsze powyżej.',
    openMeeting: 'Otwórz',
    openMeetingOf: 'Otwórz jako prowadzący: {name}',
    copyParticipantLink: 'Kopiuj link',
    copyParticipantLinkOf: 'Kopiuj link: {name} (dla uczestników)',
    copyHostLinkShort: 'Kopiuj link prowadzącego',
    copyHostLinkShortOf: 'Kopiuj link prowadzącego: {name}',

    joinLead: 'Dołączasz do spotkania',
    peopleNow: {
      zero: 'Nikogo jeszcze nie ma.',
      one: 'Jest tu teraz 1 osoba.',
      few: 'Są tu teraz {n} osoby.',
      many: 'Jest tu teraz {n} osób.',
      other: 'Jest tu teraz {n} osoby.',
    },
    nameLabel: 'Twoje imię',
    nameHint: 'Inne osoby w spotkaniu zobaczą to imię.',
    join: 'Dołącz',
    joining: 'Dołączam…',
    nameEmpty: 'Wpisz swoje imię.',
    nameInvalid: 'Tego imienia nie można użyć. Wpisz najwyżej 64 litery, cyfry lub spacje.',
    joinFailed: 'Nie udało się dołączyć. Spróbuj ponownie.',
    joinOffline: 'Nie można połączyć się z serwerem. Sprawdź połączenie z internetem i spróbuj ponownie.',
    notFoundHeading: 'Nie ma takiego spotkania',
    notFoundText: 'Ten link nie prowadzi do żadnego spotkania. Sprawdź, czy link został skopiowany w całości, albo poproś osobę zapraszającą o ponowne wysłanie.',
    loadErrorHeading: 'Nie można połączyć się z serwerem',
    loadErrorText: 'Sprawdź połączenie z internetem i spróbuj ponownie.',

    copyInvite: 'Kopiuj link zaproszenia',
    inviteCopied: 'Link zaproszenia skopiowany.',
    leave: 'Wyjdź',
    peopleHeading: 'Uczestnicy ({n})',
    you: '(Ty)',
    chatHeading: 'Czat',
    chatEmpty: 'Nie ma jeszcze wiadomości. Przywitaj się!',
    showEarlier: 'Pokaż wcześniejsze wiadomości',
    loadingEarlier: 'Wczytuję wcześniejsze wiadomości…',
    earlierFailed: 'Nie udało się wczytać wcześniejszych wiadomości. Spróbuj ponownie.',
    messageLabel: 'Twoja wiadomość',
    messagePlaceholder: 'Napisz wiadomość…',
    send: 'Wyślij',
    msgEmpty: 'Najpierw napisz wiadomość.',
    msgTooLong: 'Ta wiadomość jest za długa. Można wysłać najwyżej 2000 znaków — skróć ją, proszę.',
    msgInvalid: 'Ta wiadomość zawiera znaki, których nie można wysłać.',
    rateLimited: 'Wysyłasz wiadomości za szybko. Odczekaj kilka sekund i spróbuj ponownie.',
    storageFailed: 'Wiadomość nie została zapisana. Spróbuj ponownie.',
    notConnected: 'Nie ma teraz połączenia. Poczekaj chwilę, aż połączenie wróci.',
    sendFailed: 'Nie udało się wysłać wiadomości. Spróbuj ponownie.',
    serverSaid: 'Odpowiedź serwera: {msg}',
    reconnecting: 'Utracono połączenie — łączę ponownie…',
    reconnected: 'Połączenie wróciło.',
    announceJoined: '{name} dołącza do spotkania.',
    announceLeft: '{name} wychodzi ze spotkania.',
    announceMessage: 'Wiadomość od {name}: {text}',
    leftHeading: 'Nie jesteś już w spotkaniu',
    leftText: 'Możesz wrócić w każdej chwili.',
    joinAgain: 'Dołącz ponownie',
    videoHeading: 'Obraz',
    micLabel: 'Mikrofon',
    camLabel: 'Kamera',
    micIsOff: 'mikrofon wyłączony',
    camIsOff: 'kamera wyłączona',
    speaking: 'mówi',
    mediaDenied: 'Nie zezwolono na kamerę i mikrofon, więc inni cię nie widzą ani nie słyszą. Możesz dalej pisać na czacie. Aby to zmienić, zezwól na nie na pasku adresu i dołącz ponownie.',
    mediaNoDevice: 'Nie znaleziono niektórych urządzeń (kamery lub mikrofonu). Możesz dalej pisać na czacie.',
    mediaStartFailed: 'Nie udało się włączyć kamery i mikrofonu. Możesz dalej pisać na czacie.',
    mediaConnFailed: 'Połączenie audio i wideo zostało przerwane. Wyjdź i dołącz ponownie, aby spróbować jeszcze raz.',
    clickForSound: 'Kliknij w dowolnym miejscu strony, aby słyszeć innych.',
    shareScreen: 'Udostępnij ekran',
    stopSharing: 'Zatrzymaj udostępnianie',
    screenHeading: 'Udostępniony ekran',
    screenOf: '{name} udostępnia ekran',
    screenYours: 'Udostępniasz swój ekran',
    screenFailed: 'Nie udało się udostępnić ekranu.',
    announceScreen: '{name} zaczyna udostępniać ekran.',
    previewLabel: 'Podgląd Twojej kamery',
    previewCamOff: 'Twoja kamera jest wyłączona',
    previewNoVideo: 'Brak obrazu z kamery',
    micLevelLabel: 'Poziom mikrofonu (powiedz coś, aby sprawdzić)',
    cameraLabel: 'Kamera',
    microphoneLabel: 'Mikrofon',
    cameraN: 'Kamera {n}',
    microphoneN: 'Mikrofon {n}',
    noCamera: 'Nie znaleziono kamery',
    noMicrophone: 'Nie znaleziono mikrofonu',
    previewDenied: 'Przeglądarka nie zezwoliła na kamerę i mikrofon. Możesz mimo to dołączyć: inni nie będą cię widzieć ani słyszeć, ale ty zobaczysz i usłyszysz innych i możesz pisać na czacie. Aby zezwolić, kliknij znak kamery na pasku adresu i odśwież stronę.',
    previewNoDevice: 'Nie znaleziono kamery ani mikrofonu. Możesz mimo to dołączyć, aby widzieć, słyszeć i pisać na czacie.',
    previewNoMic: 'Nie znaleziono mikrofonu: inni nie będą cię słyszeć. Możesz mimo to dołączyć.',
    previewNoCamera: 'Nie znaleziono kamery: inni nie będą cię widzieć. Możesz mimo to dołączyć.',
    previewBusy: 'Kamerę lub mikrofon zajmuje inny program. Zamknij go i odśwież stronę albo dołącz bez nich.',
    previewFailed: 'Nie udało się włączyć kamery i mikrofonu. Możesz dołączyć bez nich.',
    joinCamOff: 'Dołącz z wyłączoną kamerą',
    joinMicOff: 'Dołącz z wyłączonym mikrofonem',
    joinAsHost: 'Dołączasz jako prowadzący to spotkanie.',
    passwordLabel: 'Hasło spotkania',
    passwordHint: 'Zna je osoba, która cię zaprosiła.',
    passwordNeeded: 'To spotkanie wymaga hasła. Wpisz je, proszę.',
    passwordWrong: 'To hasło jest nieprawidłowe. Sprawdź je i spróbuj ponownie.',
    roomLocked: 'Spotkanie jest zamknięte: teraz nikt nowy nie może dołączyć. Poproś prowadzącego o otwarcie.',
    tokenInvalid: 'Twoje zaproszenie do tego spotkania jest już nieważne. Dołącz ponownie.',

    lobbyHeading: 'Poczekaj chwilę, prowadzący cię wpuści',
    lobbyText: 'Prowadzący wie, że czekasz. Nie zamykaj tej strony: dołączysz sam, gdy tylko zostaniesz wpuszczony.',
    lobbyLeave: 'Przestań czekać',

    removedHeading: 'Prowadzący usunął cię ze spotkania',
    removedText: 'Nie jesteś już w tym spotkaniu. Jeśli to pomyłka, skontaktuj się z osobą, która cię zaprosiła.',
    endedHeading: 'Spotkanie się zakończyło',
    endedText: 'Prowadzący zakończył spotkanie dla wszystkich. Dziękujemy za udział!',
    declinedHeading: 'Prowadzący nie wpuścił cię do spotkania',
    declinedText: 'Nie możesz teraz dołączyć do tego spotkania. Jeśli to pomyłka, skontaktuj się z osobą, która cię zaprosiła.',
    replacedHeading: 'To spotkanie jest otwarte w innym oknie',
    replacedText: 'Dołączono do tego samego spotkania z innej karty lub okna, więc to okno zostało rozłączone. Korzystaj z tamtego.',
    lockedHeading: 'Spotkanie jest zamknięte',
    lockedText: 'Teraz nikt nowy nie może dołączyć. Poproś prowadzącego o otwarcie spotkania i otwórz link ponownie.',

    toolbarLabel: 'Przyciski spotkania',
    raiseHand: 'Podnieś rękę',
    lowerHand: 'Opuść rękę',
    reactions: 'Reakcje',
    reactThumbs: 'Kciuk w górę',
    reactClap: 'Brawa',
    reactHeart: 'Serce',
    reactLaugh: 'Śmiech',
    reactWow: 'Zaskoczenie',
    reactParty: 'Świętowanie',
    announceReaction: '{name} reaguje: {what}',
    speakerView: 'Widok mówcy',
    gridView: 'Widok siatki',
    devices: 'Kamera i mikrofon',
    deviceSwitchFailed: 'Nie udało się włączyć tego urządzenia. Wybierz inne.',
    micSwitched: 'Mikrofon zmieniony.',
    camSwitched: 'Kamera zmieniona.',
    pagesLabel: 'Strony z obrazami uczestników',
    pagePrev: 'Poprzednia strona',
    pageNext: 'Następna strona',
    pageInfo: 'Strona {page} z {pages}',
    handUpN: 'podniesiona ręka, numer {n} w kolejce',
    roleHost: 'prowadzący',
    roleCohost: 'współprowadzący',

    hostHeading: 'Sterowanie spotkaniem',
    lockRoom: 'Zamknij spotkanie',
    unlockRoom: 'Otwórz spotkanie',
    waitingRoom: 'Poczekalnia',
    waitingRoomOn: 'Poczekalnia: włączona',
    waitingRoomOff: 'Poczekalnia: wyłączona',
    endMeeting: 'Zakończ spotkanie dla wszystkich',
    endConfirm: 'Zakończyć spotkanie dla wszystkich? Wszyscy zostaną rozłączeni.',
    endYes: 'Tak, zakończ',
    cancel: 'Anuluj',
    lockedNow: 'Spotkanie jest zamknięte: nikt nowy nie dołączy.',
    unlockedNow: 'Spotkanie jest otwarte: można znowu dołączać.',
    lobbyOnNow: 'Poczekalnia włączona: to ty decydujesz, kto wejdzie.',
    lobbyOffNow: 'Poczekalnia wyłączona: wszyscy wchodzą od razu.',
    flagLocked: 'Zamknięte',
    flagLobby: 'Poczekalnia włączona',
    waitingHeading: {
      one: '1 osoba czeka na wejście',
      few: '{n} osoby czekają na wejście',
      many: '{n} osób czeka na wejście',
      other: '{n} osoby czekają na wejście',
    },
    admit: 'Wpuść',
    admitName: 'Wpuść: {name}',
    decline: 'Odmów',
    declineName: 'Odmów: {name}',
    admitted: 'Wpuszczono: {name}.',
    declined: 'Nie wpuszczono: {name}.',
    announceWaiting: '{name} czeka na wejście.',
    handsHeading: {
      one: 'Podniesione ręce (1), po kolei',
      few: 'Podniesione ręce ({n}), po kolei',
      many: 'Podniesione ręce ({n}), po kolei',
      other: 'Podniesione ręce ({n}), po kolei',
    },
    lowerHandShort: 'Opuść',
    lowerHandOf: 'Opuść rękę: {name}',
    announceHand: '{name} podnosi rękę.',
    optionsFor: 'Opcje: {name}',
    allowUnmute: 'Pozwól włączyć z powrotem',
    muteMic: 'Wycisz mikrofon',
    muteCam: 'Wyłącz kamerę',
    makeCohost: 'Zrób współprowadzącym',
    removeCohost: 'Odbierz rolę współprowadzącego',
    removePerson: 'Usuń ze spotkania',
    removeYes: 'Tak, usuń: {name}',
    mutedMicOf: 'Mikrofon wyciszony: {name}.',
    mutedCamOf: 'Kamera wyłączona: {name}.',
    madeCohost: '{name} jest teraz współprowadzącym.',
    unmadeCohost: '{name} nie jest już współprowadzącym.',
    removedPerson: 'Usunięto ze spotkania: {name}.',
    hostActionFailed: 'To się nie udało. Spróbuj ponownie.',
    hostActionFailedWhy: 'To się nie udało: {msg}',

    aHost: 'Prowadzący',
    hostMutedMic: '{name} wyciszył twój mikrofon. Możesz go włączyć, gdy zechcesz coś powiedzieć.',
    hostMutedMicLocked: '{name} wyciszył twój mikrofon. Podnieś rękę, aby poprosić o głos.',
    hostMutedCam: '{name} wyłączył twoją kamerę. Możesz ją włączyć z powrotem.',
    hostMutedCamLocked: '{name} wyłączył twoją kamerę. Podnieś rękę, aby poprosić o jej włączenie.',
    stillMutedByHost: 'Prowadzący wyciszył twój mikrofon. Podnieś rękę, aby poprosić o głos.',
    stillCamOffByHost: 'Prowadzący wyłączył twoją kamerę. Podnieś rękę, aby poprosić o jej włączenie.',
    unmuteAllowedMic: 'Prowadzący pozwala ci włączyć mikrofon.',
    unmuteAllowedCam: 'Prowadzący pozwala ci włączyć kamerę.',
    youAreCohost: 'Jesteś teraz współprowadzącym: możesz sterować spotkaniem.',
    youAreHost: 'Jesteś teraz prowadzącym to spotkanie.',
    youAreParticipant: 'Nie jesteś już współprowadzącym.',

    chatToLabel: 'Do',
    toEveryone: 'Wszystkich',
    toHosts: 'Tylko prowadzących',
    toHostsTag: 'tylko do prowadzących',
    pendingLabel: 'Wiadomości czekające na wysłanie',
    pendingNote: 'czeka na połączenie — wyśle się sama',
    queuedOffline: 'Nie ma teraz połączenia. Twoja wiadomość zostanie wysłana, gdy tylko połączenie wróci.',
    mediaReconnecting: 'Połączenie audio i wideo zostało przerwane — łączę ponownie…',
    yesterday: 'wczoraj',
  },
};

function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null; // storage disabled (private mode, embedded frame)
  }
}

// pl* -> Polish, en* -> English; the first match in the visitor's list wins.
export function detectLang(languages = navigator.languages || [navigator.language]) {
  for (const l of languages || []) {
    const base = String(l || '').toLowerCase().split('-')[0];
    if (base === 'pl') return 'pl';
    if (base === 'en') return 'en';
  }
  return 'en';
}

let current = storedLang() || detectLang();
const listeners = new Set();

export function getLang() {
  return current;
}

export function t(key, params = {}) {
  let s = STRINGS[current][key] ?? STRINGS.en[key];
  if (s === undefined) {
    console.warn(`i18n: missing string "${key}"`);
    return key;
  }
  if (typeof s === 'object') {
    const n = Number(params.n ?? 0);
    const cat = n === 0 && s.zero ? 'zero' : new Intl.PluralRules(current).select(n);
    s = s[cat] ?? s.other;
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// Puts a translated string into el and keeps it translated when the
// language changes. key null empties el.
const dynParams = new WeakMap();
export function tr(el, key, params = {}) {
  if (!key) {
    delete el.dataset.i18nDyn;
    dynParams.delete(el);
    el.textContent = '';
    return;
  }
  el.dataset.i18nDyn = key;
  dynParams.set(el, params);
  el.textContent = t(key, params);
}

export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-dyn]')) {
    el.textContent = t(el.dataset.i18nDyn, dynParams.get(el) || {});
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((x) => x.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  document.documentElement.lang = current;
  for (const btn of document.querySelectorAll('[data-lang]')) {
    btn.setAttribute('aria-pressed', String(btn.dataset.lang === current));
  }
}

export function setLang(lang, { remember = true } = {}) {
  if (!LANGS.includes(lang)) return;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      /* not remembered; still switch */
    }
  }
  if (lang === current) return;
  current = lang;
  applyTranslations();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Wires the PL / EN buttons (elements with data-lang) and translates the page.
export function initI18n() {
  for (const btn of document.querySelectorAll('[data-lang]')) {
    btn.addEventListener('click', () => setLang(btn.dataset.lang));
  }
  applyTranslations();
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate();
}

// "14:05" today, "yesterday 14:05", otherwise "3 Mar 14:05" (with the year
// when it is not this year).
// The visitor's own locale when it is in the current language (so an
// American sees 2:05 PM), else a sensible default for the language.
function locale() {
  const own = navigator.language || '';
  if (own.toLowerCase().split('-')[0] === current) return own;
  return current === 'pl' ? 'pl-PL' : 'en-GB';
}

export function formatTime(ts, now = new Date()) {
  const d = new Date(ts);
  const loc = locale();
  const time = new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit' }).format(d);
  if (sameDay(d, now)) return time;
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (sameDay(d, y)) return `${t('yesterday')} ${time}`;
  const opts = { day: 'numeric', month: 'short' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return `${new Intl.DateTimeFormat(loc, opts).format(d)} ${time}`;
}

export function formatFullTime(ts) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeStyle: 'short' }).format(new Date(ts));
}

// ---- EVWEB (issue 5): the strings of events and webinars live in
// i18n_events.js and are merged here (no key is in both).
import { EVENT_STRINGS } from './i18n_events.js';
for (const l of LANGS) Object.assign(STRINGS[l], EVENT_STRINGS[l]);
