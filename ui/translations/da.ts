<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="da_DK">
  <context>
    <name>Attract</name>
    <message>
      <source>Pay library fees here</source>
      <translation>Betal mellemværender med biblioteket her</translation>
    </message>
    <message>
      <source>Show your library card or health card to the reader, or touch the button to type your number.</source>
      <translation>Vis dit lånerkort eller sundhedskort til læseren, eller tryk på knappen for at taste dit nummer.</translation>
    </message>
    <message>
      <source>Start — type card number or CPR</source>
      <translation>Start — tast kortnummer eller CPR-nummer</translation>
    </message>
  </context>
  <context>
    <name>Busy</name>
    <message>
      <source>Finishing your payment …</source>
      <translation>Betalingen gøres færdig …</translation>
    </message>
    <message>
      <source>Finding your claims …</source>
      <translation>Vi finder dine mellemværender …</translation>
    </message>
  </context>
  <context>
    <name>Claims</name>
    <message>
      <source>Fee</source>
      <translation>Gebyr</translation>
    </message>
    <message>
      <source>Compensation</source>
      <translation>Erstatning</translation>
    </message>
    <message>
      <source>Claim</source>
      <translation>Mellemværende</translation>
    </message>
    <message>
      <source>Can be paid here with your health card or CPR number (the municipality needs it).</source>
      <translation>Kan betales her med sundhedskort eller CPR-nummer (kommunen skal bruge det).</translation>
    </message>
    <message>
      <source>Cannot be paid here.</source>
      <translation>Kan ikke betales her.</translation>
    </message>
    <message>
      <source>Paid here.</source>
      <translation>Betalt her.</translation>
    </message>
    <message>
      <source>Please ask the library staff first: an older claim could not be read here, and the municipality settles the oldest claims first.</source>
      <translation>Spørg først personalet: et ældre mellemværende kunne ikke læses her, og kommunen afregner de ældste først.</translation>
    </message>
    <message>
      <source>The automat could not read the amount of this claim. Please ask the library staff.</source>
      <translation>Automaten kunne ikke læse beløbet på dette mellemværende. Spørg personalet.</translation>
    </message>
    <message>
      <source>You cannot borrow because you owe more than the library's limit. Some of your claims could not be read here, so the automat cannot tell what paying changes. Please ask the library staff.</source>
      <translation>Du kan ikke låne, fordi du skylder mere end bibliotekets grænse. Nogle af dine mellemværender kunne ikke læses her, så automaten kan ikke sige, hvad en betaling ændrer. Spørg personalet.</translation>
    </message>
    <message>
      <source>You are not blocked: you can borrow as usual.</source>
      <translation>Du er ikke spærret: du kan låne som normalt.</translation>
    </message>
    <message>
      <source>You cannot borrow because you owe %1 and the limit is %2.</source>
      <translation>Du kan ikke låne, fordi du skylder %1, og grænsen er %2.</translation>
    </message>
    <message>
      <source>You cannot borrow because you owe %1, more than the library's limit.</source>
      <translation>Du kan ikke låne, fordi du skylder %1, og det er mere end bibliotekets grænse.</translation>
    </message>
    <message>
      <source>Paying the chosen claims lifts the block at once.</source>
      <translation>Betaler du de valgte mellemværender, ophæves spærringen med det samme.</translation>
    </message>
    <message>
      <source>What you have paid here lifts the block once the municipality has reported the payment. This usually takes one to a few working days.</source>
      <translation>Det, du har betalt her, ophæver spærringen, når kommunen har meldt betalingen. Det tager som regel en til få hverdage.</translation>
    </message>
    <message>
      <source>Paying the chosen claims lifts the block once the municipality has told the library about the payment. This usually takes one to a few working days.</source>
      <translation>Betaler du de valgte mellemværender, ophæves spærringen, når kommunen har meldt betalingen til biblioteket. Det tager som regel en til få hverdage.</translation>
    </message>
    <message>
      <source>Even after this payment you owe more than the limit, so the block stays. After it you would owe %1.</source>
      <translation>Også efter denne betaling skylder du mere end grænsen, så spærringen bliver. Bagefter skylder du %1.</translation>
    </message>
    <message>
      <source>After this payment you would owe %1. The library staff can tell you whether that lifts the block.</source>
      <translation>Efter denne betaling skylder du %1. Personalet kan fortælle dig, om det ophæver spærringen.</translation>
    </message>
    <message>
      <source>You are also blocked for a reason that paying does not change. Please ask the library staff.</source>
      <translation>Du er også spærret af en anden grund, som betaling ikke ændrer. Spørg personalet.</translation>
    </message>
    <message>
      <source>Your claims</source>
      <translation>Dine mellemværender</translation>
    </message>
    <message>
      <source>Pay here</source>
      <translation>Kan betales her</translation>
    </message>
    <message>
      <source>Handled by the municipality</source>
      <translation>Klares af kommunen</translation>
    </message>
    <message>
      <source>Paid here, waiting for the municipality</source>
      <translation>Betalt her, venter på kommunen</translation>
    </message>
    <message>
      <source>Ask the library staff</source>
      <translation>Spørg personalet</translation>
    </message>
    <message>
      <source>Municipality claims are paid oldest first: choosing one chooses the older ones too.</source>
      <translation>Kommunens krav betales ældste først: vælger du ét, vælges de ældre også.</translation>
    </message>
    <message>
      <source>You paid these here. The library system shows them until the municipality reports the payment, usually within a few working days.</source>
      <translation>Dem har du betalt her. Bibliotekssystemet viser dem, indtil kommunen melder betalingen, som regel inden for få hverdage.</translation>
    </message>
    <message>
      <source>They do not stop you from borrowing.</source>
      <translation>De forhindrer dig ikke i at låne.</translation>
    </message>
    <message>
      <source>They are not why you are blocked.</source>
      <translation>Det er ikke på grund af dem, at du er spærret.</translation>
    </message>
    <message>
      <source>Until then they still count as owed, so they keep the block; it lifts by itself once the municipality has reported them.</source>
      <translation>Indtil da tæller de stadig med i det, du skylder, så de holder spærringen; den ophæves af sig selv, når kommunen har meldt dem.</translation>
    </message>
    <message>
      <source>Until then they still count as owed. Even without them you owe %1, more than the limit, so the block stays until more is paid.</source>
      <translation>Indtil da tæller de stadig med i det, du skylder. Også uden dem skylder du %1, mere end grænsen, så spærringen bliver, indtil der er betalt mere.</translation>
    </message>
    <message>
      <source>Until then they still count as owed. Even without them you owe %1; the library staff can tell you whether that lifts the block.</source>
      <translation>Indtil da tæller de stadig med i det, du skylder. Også uden dem skylder du %1; personalet kan fortælle dig, om det ophæver spærringen.</translation>
    </message>
    <message>
      <source>Chosen</source>
      <translation>Valgt</translation>
    </message>
    <message>
      <source>Not chosen</source>
      <translation>Ikke valgt</translation>
    </message>
    <message>
      <source>From %1</source>
      <translation>Fra %1</translation>
    </message>
    <message>
      <source>municipality claim</source>
      <translation>kommunens krav</translation>
    </message>
    <message>
      <source>paid as number %1</source>
      <translation>betales som nr. %1</translation>
    </message>
    <message>
      <source>paid here %1</source>
      <translation>betalt her %1</translation>
    </message>
    <message>
      <source>These claims cannot be paid at this automat. You will get a letter from the municipality, or you can pay them this way:</source>
      <translation>Disse kan ikke betales på automaten. Du får brev fra kommunen, eller du kan betale sådan:</translation>
    </message>
    <message>
      <source>QR code for paying the municipality</source>
      <translation>QR-kode til betaling hos kommunen</translation>
    </message>
    <message>
      <source>This payment covers 1 claim: %1</source>
      <translation>Betalingen dækker 1 mellemværende: %1</translation>
    </message>
    <message>
      <source>This payment covers the %1 claims marked ☑ above.</source>
      <translation>Betalingen dækker de %1 mellemværender, der er markeret med ☑ ovenfor.</translation>
    </message>
    <message>
      <source>No claims chosen.</source>
      <translation>Intet valgt.</translation>
    </message>
    <message>
      <source>Pay %1</source>
      <translation>Betal %1</translation>
    </message>
  </context>
  <context>
    <name>Common</name>
    <message>
      <source>Cancel</source>
      <translation>Afbryd</translation>
    </message>
    <message>
      <source>Back</source>
      <translation>Tilbage</translation>
    </message>
  </context>
  <context>
    <name>Finish</name>
    <message>
      <source>Out of order</source>
      <translation>Ude af drift</translation>
    </message>
    <message>
      <source>The automat is out of order. Nothing was paid. Please contact the staff.</source>
      <translation>Automaten er ude af drift. Der er ikke betalt noget. Kontakt personalet.</translation>
    </message>
    <message>
      <source>The automat is out of order. The amount you paid, %1, is noted. Please contact the staff.</source>
      <translation>Automaten er ude af drift — dit indbetalte beløb %1 er noteret; kontakt personalet.</translation>
    </message>
    <message>
      <source>Take the slip to the staff.</source>
      <translation>Tag sedlen med til personalet.</translation>
    </message>
    <message>
      <source>The slip could not be printed. Take a picture of the screen and show it to the staff.</source>
      <translation>Sedlen kunne ikke udskrives. Tag et billede af skærmen og vis det til personalet.</translation>
    </message>
    <message>
      <source>You get a credit bon of %1: the automat gives no change. Use it here next time, or take it to the library desk.</source>
      <translation>Du får en tilgodebon på %1: automaten giver ikke byttepenge. Brug den her næste gang, eller tag den med til skranken.</translation>
    </message>
    <message>
      <source>Bon code: %1</source>
      <translation>Bonkode: %1</translation>
    </message>
    <message>
      <source>Paid: %1</source>
      <translation>Betalt: %1</translation>
    </message>
    <message>
      <source>Reference: %1</source>
      <translation>Reference: %1</translation>
    </message>
    <message>
      <source>Please take your receipt.</source>
      <translation>Husk din kvittering.</translation>
    </message>
    <message>
      <source>Receipt printed.</source>
      <translation>Kvitteringen er udskrevet.</translation>
    </message>
    <message>
      <source>Your credit bon is printed: take it too.</source>
      <translation>Din tilgodebon er udskrevet: tag den også med.</translation>
    </message>
    <message>
      <source>The credit bon could not be printed. Keep this code: use it here, or show it at the library desk.</source>
      <translation>Tilgodebonen kunne ikke udskrives. Gem denne kode: brug den her, eller vis den ved skranken.</translation>
    </message>
    <message>
      <source>The receipt could not be printed. It is shown below; the staff can print it for you.</source>
      <translation>Kvitteringen kunne ikke udskrives. Den vises herunder; personalet kan udskrive den til dig.</translation>
    </message>
    <message>
      <source>Thank you</source>
      <translation>Tak</translation>
    </message>
    <message>
      <source>Done</source>
      <translation>Færdig</translation>
    </message>
    <message>
      <source>Your payment is complete. Goodbye!</source>
      <translation>Din betaling er gennemført. Farvel!</translation>
    </message>
    <message>
      <source>Session ended</source>
      <translation>Sessionen er slut</translation>
    </message>
    <message>
      <source>The session ended because nothing happened for a while. Your details have been cleared.</source>
      <translation>Sessionen sluttede, fordi der ikke skete noget i et stykke tid. Dine oplysninger er slettet fra skærmen.</translation>
    </message>
    <message>
      <source>Nothing was paid.</source>
      <translation>Der er ikke betalt noget.</translation>
    </message>
    <message>
      <source>Finish</source>
      <translation>Afslut</translation>
    </message>
  </context>
  <context>
    <name>Identify</name>
    <message>
      <source>Who are you?</source>
      <translation>Hvem er du?</translation>
    </message>
    <message>
      <source>Show your card to the reader, or type your card number or CPR number.</source>
      <translation>Vis dit kort til læseren, eller tast dit kortnummer eller CPR-nummer.</translation>
    </message>
  </context>
  <context>
    <name>Keypad</name>
    <message>
      <source>Erase</source>
      <translation>Slet</translation>
    </message>
    <message>
      <source>OK</source>
      <translation>OK</translation>
    </message>
  </context>
  <context>
    <name>Messages</name>
    <message>
      <source>The automat is out of order. What you paid is noted; please contact the staff.</source>
      <translation>Automaten er ude af drift — dit indbetalte beløb er noteret; kontakt personalet.</translation>
    </message>
    <message>
      <source>The automat received money outside a payment. It became a credit bon: use it here, or take it to the library desk.</source>
      <translation>Automaten modtog penge uden for en betaling. Beløbet er blevet til en tilgodebon: brug den her, eller tag den med til skranken.</translation>
    </message>
    <message>
      <source>The automat received money while it was restarting. It became a credit bon: use it here, or take it to the library desk.</source>
      <translation>Automaten modtog penge, mens den genstartede. Beløbet er blevet til en tilgodebon: brug den her, eller tag den med til skranken.</translation>
    </message>
    <message>
      <source>The automat works again. What you paid became a credit bon.</source>
      <translation>Automaten virker igen. Det, du har indbetalt, er blevet til en tilgodebon.</translation>
    </message>
    <message>
      <source>Checking your card and PIN …</source>
      <translation>Vi tjekker dit kort og din pinkode …</translation>
    </message>
    <message>
      <source>The PIN was not right. Please try again.</source>
      <translation>Pinkoden var forkert. Prøv igen.</translation>
    </message>
    <message>
      <source>The PIN was wrong three times. Please ask the library staff to help you.</source>
      <translation>Pinkoden var forkert tre gange. Bed personalet om hjælp.</translation>
    </message>
    <message>
      <source>Your card is locked after too many PIN attempts. Please ask the staff.</source>
      <translation>Dit kort er låst efter for mange forsøg med pinkoden. Spørg personalet.</translation>
    </message>
    <message>
      <source>We could not find a borrower with this card or number. Check the number, or ask the staff.</source>
      <translation>Vi kunne ikke finde en låner med dette kort eller nummer. Tjek nummeret, eller spørg personalet.</translation>
    </message>
    <message>
      <source>The library system cannot be reached right now. Nothing was paid. Please try again in a few minutes.</source>
      <translation>Der er ikke forbindelse til bibliotekssystemet lige nu. Der er ikke betalt noget. Prøv igen om nogle minutter.</translation>
    </message>
    <message>
      <source>The library system did not answer in time. Nothing was paid. Please try again.</source>
      <translation>Bibliotekssystemet svarede ikke i tide. Der er ikke betalt noget. Prøv igen.</translation>
    </message>
    <message>
      <source>The automat cannot log in to the library system. Please tell the staff.</source>
      <translation>Automaten kan ikke logge på bibliotekssystemet. Sig det til personalet.</translation>
    </message>
    <message>
      <source>The library system gave an answer we could not read. Nothing was paid. Please tell the staff.</source>
      <translation>Bibliotekssystemet gav et svar, vi ikke kunne læse. Der er ikke betalt noget. Sig det til personalet.</translation>
    </message>
    <message>
      <source>The library system refused the payment. Please ask the staff.</source>
      <translation>Bibliotekssystemet afviste betalingen. Spørg personalet.</translation>
    </message>
    <message>
      <source>Choose at least one claim to pay, or press Cancel.</source>
      <translation>Vælg mindst én ting at betale, eller tryk Afbryd.</translation>
    </message>
    <message>
      <source>Payment has started, so the claims can no longer be changed. Pay the rest, or press Cancel to get a credit bon for what you paid.</source>
      <translation>Betalingen er begyndt, så valget kan ikke længere ændres. Betal resten, eller tryk Afbryd for at få en tilgodebon for det, du har betalt.</translation>
    </message>
    <message>
      <source>The card terminal is out of order. Please pay with cash or a bon.</source>
      <translation>Kortterminalen virker ikke. Betal med kontanter eller en bon.</translation>
    </message>
    <message>
      <source>The card payment was declined. No money was taken. Try another card or cash.</source>
      <translation>Kortbetalingen blev afvist. Der er ikke trukket penge. Prøv et andet kort eller kontanter.</translation>
    </message>
    <message>
      <source>The card payment was stopped. No money was taken. Choose how to pay.</source>
      <translation>Kortbetalingen blev stoppet. Der er ikke trukket penge. Vælg hvordan du vil betale.</translation>
    </message>
    <message>
      <source>We lost contact with the card terminal. Checking if the payment went through …</source>
      <translation>Forbindelsen til kortterminalen blev afbrudt. Vi tjekker, om betalingen gik igennem …</translation>
    </message>
    <message>
      <source>We cannot tell yet whether the card payment went through. Do not pay again: please ask the staff, who can check it.</source>
      <translation>Vi kan endnu ikke se, om kortbetalingen gik igennem. Betal ikke igen: spørg personalet, som kan tjekke det.</translation>
    </message>
    <message>
      <source>That coin or note was not accepted and was returned. Try another one.</source>
      <translation>Mønten eller sedlen blev ikke godtaget og er givet tilbage. Prøv en anden.</translation>
    </message>
    <message>
      <source>That note is too large for what is left to pay and was returned. Please use a smaller note or coins.</source>
      <translation>Sedlen er for stor til det, der mangler, og er givet tilbage. Brug en mindre seddel eller mønter.</translation>
    </message>
    <message>
      <source>The bon could not be read. Check the code, or ask the staff.</source>
      <translation>Bonen kunne ikke læses. Tjek koden, eller spørg personalet.</translation>
    </message>
    <message>
      <source>This bon is not valid. Please take it to the staff.</source>
      <translation>Bonen er ikke gyldig. Tag den med til personalet.</translation>
    </message>
    <message>
      <source>This bon has expired. The staff can help you with it.</source>
      <translation>Bonen er udløbet. Personalet kan hjælpe dig med den.</translation>
    </message>
    <message>
      <source>This bon was cancelled by the staff and cannot be used.</source>
      <translation>Bonen er annulleret af personalet og kan ikke bruges.</translation>
    </message>
    <message>
      <source>This bon has already been used.</source>
      <translation>Bonen er allerede brugt.</translation>
    </message>
    <message>
      <source>We do not know this bon. Check the code you typed, or ask the staff.</source>
      <translation>Vi kender ikke denne bon. Tjek koden du tastede, eller spørg personalet.</translation>
    </message>
    <message>
      <source>The bon paid part of the amount. Choose how to pay the rest.</source>
      <translation>Bonen betalte en del af beløbet. Vælg hvordan du vil betale resten.</translation>
    </message>
    <message>
      <source>Your payment is received and saved, but could not be finished right now. It will be completed automatically; please ask the staff for a receipt.</source>
      <translation>Din betaling er modtaget og gemt, men kunne ikke gøres færdig lige nu. Den gøres færdig automatisk; bed personalet om en kvittering.</translation>
    </message>
    <message>
      <source>The session was cancelled. Nothing was paid.</source>
      <translation>Sessionen blev afbrudt. Der er ikke betalt noget.</translation>
    </message>
    <message>
      <source>Thank you. Your payment is complete.</source>
      <translation>Tak. Din betaling er gennemført.</translation>
    </message>
    <message>
      <source>That is not a card number of this library. Check the number and try again.</source>
      <translation>Det er ikke et kortnummer fra dette bibliotek. Tjek nummeret, og prøv igen.</translation>
    </message>
    <message>
      <source>That is not a valid CPR number. Check the number and try again.</source>
      <translation>Det er ikke et gyldigt CPR-nummer. Tjek nummeret, og prøv igen.</translation>
    </message>
    <message>
      <source>The card could not be read. Try again, or type the number.</source>
      <translation>Kortet kunne ikke læses. Prøv igen, eller tast nummeret.</translation>
    </message>
    <message>
      <source>That is not possible right now. Please wait.</source>
      <translation>Det kan ikke lade sig gøre lige nu. Vent lidt.</translation>
    </message>
    <message>
      <source>Something went wrong. Nothing was lost; please ask the staff.</source>
      <translation>Noget gik galt. Intet er gået tabt; spørg personalet.</translation>
    </message>
    <message>
      <source>Checking the staff login …</source>
      <translation>Medarbejderlogin kontrolleres …</translation>
    </message>
    <message>
      <source>Wrong staff number or PIN. Nothing was changed; please try again.</source>
      <translation>Forkert medarbejdernummer eller PIN-kode. Intet er ændret; prøv igen.</translation>
    </message>
    <message>
      <source>The account is locked after too many wrong PINs. Try again in %1 minutes, or ask an administrator to unlock it.</source>
      <translation>Kontoen er låst efter for mange forkerte PIN-koder. Prøv igen om %1 minutter, eller bed en administrator låse den op.</translation>
    </message>
    <message>
      <source>The staff accounts cannot be reached right now. Nothing was changed; try again.</source>
      <translation>Medarbejderkontiene kan ikke nås lige nu. Intet er ændret; prøv igen.</translation>
    </message>
    <message>
      <source>That is a bon, not a library card. Show your library card or health card first; you scan the bon when you pay.</source>
      <translation>Det er en bon, ikke et lånerkort. Vis først dit lånerkort eller sundhedskort; bonen scanner du, når du betaler.</translation>
    </message>
    <message>
      <source>That is a bon. It is used when you pay: touch Pay, then scan the bon.</source>
      <translation>Det er en bon. Den bruges, når du betaler: tryk Betal, og scan så bonen.</translation>
    </message>
    <message>
      <source>This automat does not take bons. Please take the bon to the staff.</source>
      <translation>Automaten tager ikke imod bonner. Tag bonen med til personalet.</translation>
    </message>
    <message>
      <source>That is a bon. Log in first to look it up.</source>
      <translation>Det er en bon. Log ind først for at slå den op.</translation>
    </message>
  </context>
  <context>
    <name>OutOfService</name>
    <message>
      <source>Out of service</source>
      <translation>Ude af drift</translation>
    </message>
    <message>
      <source>The automat cannot take payments right now. Please pay at the library desk or try again later.</source>
      <translation>Automaten kan ikke tage imod betalinger lige nu. Betal ved skranken, eller prøv igen senere.</translation>
    </message>
  </context>
  <context>
    <name>Pay</name>
    <message>
      <source>To pay: %1</source>
      <translation>At betale: %1</translation>
    </message>
    <message>
      <source>Paid so far: %1</source>
      <translation>Betalt indtil nu: %1</translation>
    </message>
    <message>
      <source>Still to pay: %1</source>
      <translation>Mangler: %1</translation>
    </message>
    <message>
      <source>How do you want to pay?</source>
      <translation>Hvordan vil du betale?</translation>
    </message>
    <message>
      <source>Payment card</source>
      <translation>Betalingskort</translation>
    </message>
    <message>
      <source>Coins and notes</source>
      <translation>Mønter og sedler</translation>
    </message>
    <message>
      <source>Bon from the staff</source>
      <translation>Bon fra personalet</translation>
    </message>
    <message>
      <source>No way of paying works right now. Please ask the staff.</source>
      <translation>Ingen betalingsmåde virker lige nu. Spørg personalet.</translation>
    </message>
    <message>
      <source>Pay by card</source>
      <translation>Betal med kort</translation>
    </message>
    <message>
      <source>Follow the instructions on the card terminal. It says:</source>
      <translation>Følg vejledningen på kortterminalen. Den skriver:</translation>
    </message>
    <message>
      <source>Inserted: %1</source>
      <translation>Indsat: %1</translation>
    </message>
    <message>
      <source>Insert coins or notes</source>
      <translation>Indsæt mønter eller sedler</translation>
    </message>
    <message>
      <source>Coins: %1</source>
      <translation>Mønter: %1</translation>
    </message>
    <message>
      <source>Notes: %1</source>
      <translation>Sedler: %1</translation>
    </message>
    <message>
      <source>The automat gives no change: if you pay too much, or press Cancel after inserting money, you get a credit bon for the amount.</source>
      <translation>Automaten giver ikke byttepenge: betaler du for meget, eller trykker du Afbryd efter at have indsat penge, får du en tilgodebon på beløbet.</translation>
    </message>
    <message>
      <source>Pay with a bon</source>
      <translation>Betal med bon</translation>
    </message>
    <message>
      <source>Hold the bon's QR code to the scanner, or type the code under it.</source>
      <translation>Hold bonens QR-kode til scanneren, eller tast koden under den.</translation>
    </message>
  </context>
  <context>
    <name>Pin</name>
    <message>
      <source>Health card read.</source>
      <translation>Sundhedskortet er læst.</translation>
    </message>
    <message>
      <source>Attempts left: %1</source>
      <translation>Forsøg tilbage: %1</translation>
    </message>
    <message>
      <source>Type your PIN</source>
      <translation>Tast din pinkode</translation>
    </message>
  </context>
  <context>
    <name>QGuiApplication</name>
    <message>
      <source>QT_LAYOUT_DIRECTION</source>
      <translation>LTR</translation>
    </message>
  </context>
  <context>
    <name>Staff</name>
    <message>
      <source>The ledger cannot be reached right now. Nothing was changed.</source>
      <translation>Automatens database kan ikke nås lige nu. Intet er ændret.</translation>
    </message>
    <message>
      <source>Something went wrong. Nothing was changed; please try again.</source>
      <translation>Noget gik galt. Intet er ændret; prøv igen.</translation>
    </message>
    <message>
      <source>Menu</source>
      <translation>Menu</translation>
    </message>
  </context>
  <context>
    <name>StaffBons</name>
    <message>
      <source>Cash paid at the desk</source>
      <extracomment>why a bon is issued: printed on the slip as chosen (in the screen's language, Danish first)</extracomment>
      <translation>Betalt kontant i skranken</translation>
    </message>
    <message>
      <source>The automat gave no credit bon</source>
      <translation>Automaten gav ikke en tilgodebon</translation>
    </message>
    <message>
      <source>Goodwill</source>
      <translation>Kulance</translation>
    </message>
    <message>
      <source>Issued by mistake</source>
      <extracomment>why a bon is voided (kept in the ledger and the audit log)</extracomment>
      <translation>Udstedt ved en fejl</translation>
    </message>
    <message>
      <source>Paid back in cash</source>
      <translation>Betalt tilbage kontant</translation>
    </message>
    <message>
      <source>Lost, a new one issued</source>
      <translation>Bortkommet, en ny er udstedt</translation>
    </message>
    <message>
      <source>Choose why the bon is issued.</source>
      <translation>Vælg hvorfor bonen udstedes.</translation>
    </message>
    <message>
      <source>Bon of %1 issued, code %2.</source>
      <translation>Bon på %1 er udstedt, kode %2.</translation>
    </message>
    <message>
      <source>Take the slip from the printer.</source>
      <translation>Tag bonen fra printeren.</translation>
    </message>
    <message>
      <source>The slip was not printed: write the code on a note for the citizen.</source>
      <translation>Bonen blev ikke udskrevet: skriv koden på en seddel til låneren.</translation>
    </message>
    <message>
      <source>Issue a bon</source>
      <translation>Udsted en bon</translation>
    </message>
    <message>
      <source>Type the amount in kroner and øre.</source>
      <translation>Tast beløbet i kroner og øre.</translation>
    </message>
    <message>
      <source>Why:</source>
      <translation>Årsag:</translation>
    </message>
    <message>
      <source>Choose the bon to void.</source>
      <translation>Vælg den bon, der skal annulleres.</translation>
    </message>
    <message>
      <source>Choose why the bon is voided.</source>
      <translation>Vælg hvorfor bonen annulleres.</translation>
    </message>
    <message>
      <source>Outstanding bons</source>
      <translation>Udestående bonner</translation>
    </message>
    <message>
      <source>Why it is voided:</source>
      <translation>Årsag til annulleringen:</translation>
    </message>
    <message>
      <source>Void the chosen bon</source>
      <translation>Annullér den valgte bon</translation>
    </message>
    <message>
      <source>outstanding</source>
      <translation>udestående</translation>
    </message>
    <message>
      <source>used</source>
      <translation>brugt</translation>
    </message>
    <message>
      <source>voided</source>
      <translation>annulleret</translation>
    </message>
    <message>
      <source>expired</source>
      <translation>udløbet</translation>
    </message>
    <message>
      <source>Scanned bon %1: %2, %3, valid through %4.</source>
      <translation>Scannet bon %1: %2, %3, gyldig til og med %4.</translation>
    </message>
    <message>
      <source>Used %1.</source>
      <translation>Brugt %1.</translation>
    </message>
    <message>
      <source>Voided %1 by %2.</source>
      <translation>Annulleret %1 af %2.</translation>
    </message>
  </context>
  <context>
    <name>StaffCashBox</name>
    <message>
      <source>%1: expected %2, counted %3</source>
      <translation>%1: forventet %2, optalt %3</translation>
    </message>
    <message>
      <source>Expected %1, counted %2.</source>
      <translation>Forventet %1, optalt %2.</translation>
    </message>
    <message>
      <source>Difference: %1.</source>
      <translation>Forskel: %1.</translation>
    </message>
    <message>
      <source>No cash box is configured.</source>
      <translation>Der er ingen kasseboks opsat.</translation>
    </message>
    <message>
      <source>Check the count. Touch "Record the emptying" to record it.</source>
      <translation>Tjek optællingen. Tryk på "Registrér tømningen" for at registrere den.</translation>
    </message>
    <message>
      <source>Emptying no. %1 recorded. Difference: %2.</source>
      <translation>Tømning nr. %1 registreret. Forskel: %2.</translation>
    </message>
    <message>
      <source>Keep the slip with the cash.</source>
      <translation>Læg kvitteringen sammen med pengene.</translation>
    </message>
    <message>
      <source>The slip was not printed: write the figures down.</source>
      <translation>Kvitteringen blev ikke udskrevet: skriv tallene ned.</translation>
    </message>
    <message>
      <source>Empty the cash box</source>
      <translation>Tøm kasseboksen</translation>
    </message>
    <message>
      <source>Touch a denomination and type the pieces counted; OK goes to the next. A figure not typed counts as 0.</source>
      <translation>Tryk på en værdi og tast antal stk. optalt; OK går til den næste. Et tal, der ikke er tastet, tæller som 0.</translation>
    </message>
    <message>
      <source>Show the difference</source>
      <translation>Vis forskellen</translation>
    </message>
    <message>
      <source>Record the emptying</source>
      <translation>Registrér tømningen</translation>
    </message>
  </context>
  <context>
    <name>StaffFollowUp</name>
    <message>
      <source>%1 days</source>
      <translation>%1 dage</translation>
    </message>
    <message>
      <source>Claims %1</source>
      <translation>Krav %1</translation>
    </message>
    <message>
      <source>FBS: %1</source>
      <translation>FBS: %1</translation>
    </message>
    <message>
      <source>Closed %1 by staff number %2: %3</source>
      <translation>Lukket %1 af medarbejdernummer %2: %3</translation>
    </message>
    <message>
      <source>Open items: %1</source>
      <translation>Åbne punkter: %1</translation>
    </message>
    <message>
      <source>No refused FBS registrations.</source>
      <translation>Ingen afviste FBS-registreringer.</translation>
    </message>
    <message>
      <source>Choose the item to close.</source>
      <translation>Vælg det punkt, der skal lukkes.</translation>
    </message>
    <message>
      <source>Choose what was done.</source>
      <translation>Vælg hvad der blev gjort.</translation>
    </message>
    <message>
      <source>Choose a note saying what.</source>
      <translation>Vælg en note, der siger hvad.</translation>
    </message>
    <message>
      <source>Closed: %1. FBS is not asked again.</source>
      <translation>Lukket: %1. FBS spørges ikke igen.</translation>
    </message>
    <message>
      <source>Follow-up list</source>
      <translation>Opfølgningsliste</translation>
    </message>
    <message>
      <source>What was done:</source>
      <translation>Hvad blev der gjort:</translation>
    </message>
    <message>
      <source>Note:</source>
      <translation>Note:</translation>
    </message>
    <message>
      <source>Close the chosen item</source>
      <translation>Luk det valgte punkt</translation>
    </message>
  </context>
  <context>
    <name>StaffLogin</name>
    <message>
      <source>Type your staff number.</source>
      <translation>Tast dit medarbejdernummer.</translation>
    </message>
    <message>
      <source>Staff card read. Type your PIN.</source>
      <translation>Medarbejderkortet er læst. Tast din PIN-kode.</translation>
    </message>
    <message>
      <source>Staff number %1: type your PIN.</source>
      <translation>Medarbejdernummer %1: tast din PIN-kode.</translation>
    </message>
    <message>
      <source>Staff login</source>
      <translation>Medarbejderlogin</translation>
    </message>
  </context>
  <context>
    <name>StaffMenu</name>
    <message>
      <source>Issue a bon</source>
      <extracomment>every function of staff and technician mode, in the menu's order; those without a screen are built on other branches (issue 14: follow-up list, cash-box emptying, technician mode)</extracomment>
      <translation>Udsted en bon</translation>
    </message>
    <message>
      <source>Outstanding bons and void</source>
      <translation>Udestående bonner og annullering</translation>
    </message>
    <message>
      <source>Find a payment and reprint its receipt</source>
      <translation>Find en betaling og udskriv kvitteringen igen</translation>
    </message>
    <message>
      <source>Today's Z-report</source>
      <translation>Dagens Z-rapport</translation>
    </message>
    <message>
      <source>Follow-up list</source>
      <translation>Opfølgningsliste</translation>
    </message>
    <message>
      <source>Empty the cash box</source>
      <translation>Tøm kasseboksen</translation>
    </message>
    <message>
      <source>Technician functions</source>
      <translation>Teknikerfunktioner</translation>
    </message>
    <message>
      <source>Logged in: %1 (staff number %2)</source>
      <translation>Logget ind: %1 (medarbejdernummer %2)</translation>
    </message>
    <message>
      <source>Staff mode</source>
      <translation>Medarbejdertilstand</translation>
    </message>
    <message>
      <source>Your roles give you no functions on this automat yet.</source>
      <translation>Dine roller giver dig endnu ingen funktioner på denne automat.</translation>
    </message>
    <message>
      <source>Log out</source>
      <translation>Log ud</translation>
    </message>
  </context>
  <context>
    <name>StaffReceipts</name>
    <message>
      <source>Reference: %1</source>
      <translation>Reference: %1</translation>
    </message>
    <message>
      <source>Started: %1 at automat %2</source>
      <translation>Startet: %1 på automat %2</translation>
    </message>
    <message>
      <source>Received: %1, paid: %2 (%3)</source>
      <translation>Modtaget: %1, betalt: %2 (%3)</translation>
    </message>
    <message>
      <source>Nothing was paid: there is no receipt.</source>
      <translation>Der blev ikke betalt noget: der er ingen kvittering.</translation>
    </message>
    <message>
      <source>A copy of the receipt was printed.</source>
      <translation>En kopi af kvitteringen er udskrevet.</translation>
    </message>
    <message>
      <source>The printer did not print the copy (%1).</source>
      <translation>Printeren udskrev ikke kopien (%1).</translation>
    </message>
    <message>
      <source>Find a payment</source>
      <translation>Find en betaling</translation>
    </message>
    <message>
      <source>Type the reference on the receipt (K…) or the code of a bon.</source>
      <translation>Tast referencen på kvitteringen (K…) eller koden på en bon.</translation>
    </message>
    <message>
      <source>Print a copy of the receipt</source>
      <translation>Udskriv en kopi af kvitteringen</translation>
    </message>
  </context>
  <context>
    <name>StaffRefusals</name>
    <message>
      <source>The item could not be closed like that. Nothing was changed.</source>
      <translation>Punktet kunne ikke lukkes sådan. Intet er ændret.</translation>
    </message>
    <message>
      <source>The item is no longer on the follow-up list. Nothing was changed.</source>
      <translation>Punktet er ikke længere på opfølgningslisten. Intet er ændret.</translation>
    </message>
    <message>
      <source>The item was already closed %1 by staff number %2. Nothing was changed.</source>
      <translation>Punktet var allerede lukket %1 af medarbejdernummer %2. Intet er ændret.</translation>
    </message>
    <message>
      <source>FBS has registered the payment in the meantime: there is nothing to close. Nothing was changed.</source>
      <translation>FBS har registreret betalingen i mellemtiden, så der er intet at lukke. Intet er ændret.</translation>
    </message>
    <message>
      <source>The payment is still being sent to FBS and is not on the list. Nothing was changed.</source>
      <translation>Betalingen er stadig ved at blive sendt til FBS og er ikke på listen. Intet er ændret.</translation>
    </message>
    <message>
      <source>The payment is being sent to FBS right now. Try again in a minute. Nothing was changed.</source>
      <translation>Betalingen sendes til FBS lige nu. Prøv igen om et minut. Intet er ændret.</translation>
    </message>
    <message>
      <source>The emptying could not be recorded like that. Nothing was recorded.</source>
      <translation>Tømningen kunne ikke registreres sådan. Intet er registreret.</translation>
    </message>
    <message>
      <source>Only a technician or an administrator may empty a cash box. Nothing was recorded.</source>
      <translation>Kun en tekniker eller en administrator må tømme en kasseboks. Intet er registreret.</translation>
    </message>
    <message>
      <source>%1: the count must be a whole number of pieces. Nothing was recorded.</source>
      <translation>%1: antallet skal være et helt antal stk. Intet er registreret.</translation>
    </message>
    <message>
      <source>%1: more pieces than a cash box holds. Check the count. Nothing was recorded.</source>
      <translation>%1: flere stk. end en kasseboks kan rumme. Tjek optællingen. Intet er registreret.</translation>
    </message>
    <message>
      <source>This automat has no such cash box. Nothing was recorded.</source>
      <translation>Automaten har ingen sådan kasseboks. Intet er registreret.</translation>
    </message>
    <message>
      <source>%1 cannot be in this cash box. Nothing was recorded.</source>
      <translation>%1 kan ikke ligge i denne kasseboks. Intet er registreret.</translation>
    </message>
    <message>
      <source>The debtor export did not finish; the next run tries again. (%1)</source>
      <translation>Eksporten til debitorsystemet blev ikke færdig; næste kørsel prøver igen. (%1)</translation>
    </message>
  </context>
  <context>
    <name>StaffReport</name>
    <message>
      <source>The Z-report was printed.</source>
      <translation>Z-rapporten er udskrevet.</translation>
    </message>
    <message>
      <source>The printer did not print the Z-report (%1).</source>
      <translation>Printeren udskrev ikke Z-rapporten (%1).</translation>
    </message>
    <message>
      <source>Today's Z-report</source>
      <translation>Dagens Z-rapport</translation>
    </message>
    <message>
      <source>Print</source>
      <translation>Udskriv</translation>
    </message>
  </context>
  <context>
    <name>StaffTechnician</name>
    <message>
      <source>works</source>
      <translation>virker</translation>
    </message>
    <message>
      <source>needs attention</source>
      <translation>kræver opsyn</translation>
    </message>
    <message>
      <source>out of order</source>
      <translation>ude af drift</translation>
    </message>
    <message>
      <source>Devices</source>
      <translation>Enheder</translation>
    </message>
    <message>
      <source>Printer test page</source>
      <translation>Testside på printeren</translation>
    </message>
    <message>
      <source>Test the FBS connection</source>
      <translation>Test forbindelsen til FBS</translation>
    </message>
    <message>
      <source>Debtor export</source>
      <translation>Eksport til debitorsystemet</translation>
    </message>
    <message>
      <source>Configuration</source>
      <translation>Konfiguration</translation>
    </message>
    <message>
      <source>Restart the application</source>
      <translation>Genstart programmet</translation>
    </message>
    <message>
      <source>No problems since the start.</source>
      <translation>Ingen fejl siden start.</translation>
    </message>
    <message>
      <source>No devices are configured.</source>
      <translation>Der er ingen enheder opsat.</translation>
    </message>
    <message>
      <source>No debtor files yet.</source>
      <translation>Ingen debitorfiler endnu.</translation>
    </message>
    <message>
      <source>The test page was printed.</source>
      <translation>Testsiden blev udskrevet.</translation>
    </message>
    <message>
      <source>The printer did not print the test page (%1).</source>
      <translation>Printeren udskrev ikke testsiden (%1).</translation>
    </message>
    <message>
      <source>FBS answered in %1.</source>
      <translation>FBS svarede på %1.</translation>
    </message>
    <message>
      <source>FBS did not answer as it should (%1, after %2).</source>
      <translation>FBS svarede ikke som det skal (%1, efter %2).</translation>
    </message>
    <message>
      <source>Round trip: %1</source>
      <translation>Svartid: %1</translation>
    </message>
    <message>
      <source>Debtor files delivered: %1.</source>
      <translation>Debitorfiler leveret: %1.</translation>
    </message>
    <message>
      <source>Nothing was waiting for the debtor system.</source>
      <translation>Intet ventede på debitorsystemet.</translation>
    </message>
    <message>
      <source>Touch "Restart the application" again to restart. The automat is back in about a minute.</source>
      <translation>Tryk på "Genstart programmet" igen for at genstarte. Automaten er tilbage om cirka et minut.</translation>
    </message>
    <message>
      <source>Technician functions</source>
      <translation>Teknikerfunktioner</translation>
    </message>
    <message>
      <source>Export to the debtor system now</source>
      <translation>Eksportér til debitorsystemet nu</translation>
    </message>
    <message>
      <source>Card terminal diagnosis</source>
      <translation>Kortterminal: diagnose</translation>
    </message>
    <message>
      <source>Card terminal end of day</source>
      <translation>Kortterminal: dagsafslutning</translation>
    </message>
    <message>
      <source>Export logs for support</source>
      <translation>Eksportér log til support</translation>
    </message>
    <message>
      <source>Test coins and notes</source>
      <translation>Test mønter og sedler</translation>
    </message>
    <message>
      <source>Test the scanner and card reader</source>
      <translation>Test scanner og kortlæser</translation>
    </message>
  </context>
  <context>
    <name>StaffTerminalSupport</name>
    <message>
      <source>other cards</source>
      <translation>andre kort</translation>
    </message>
    <message>
      <source>Total: %1 (%2 payments)</source>
      <translation>I alt: %1 (%2 betalinger)</translation>
    </message>
    <message>
      <source>%1: %2 payments, %3</source>
      <translation>%1: %2 betalinger, %3</translation>
    </message>
    <message>
      <source>Receipts %1 to %2</source>
      <translation>Kvitteringer %1 til %2</translation>
    </message>
    <message>
      <source>The terminal's printout:</source>
      <translation>Terminalens udskrift:</translation>
    </message>
    <message>
      <source>The card terminal reached its acquirer: the line works.</source>
      <translation>Betalingsterminalen fik forbindelse til indløseren: linjen virker.</translation>
    </message>
    <message>
      <source>The card terminal's diagnosis failed (%1).</source>
      <translation>Diagnosen af betalingsterminalen mislykkedes (%1).</translation>
    </message>
    <message>
      <source>The card terminal's end of day is done.</source>
      <translation>Dagsafslutningen på betalingsterminalen er gennemført.</translation>
    </message>
    <message>
      <source>The card terminal did not close the day (%1). Try again later.</source>
      <translation>Betalingsterminalen gennemførte ikke dagsafslutningen (%1). Prøv igen senere.</translation>
    </message>
    <message>
      <source>No USB stick is inserted. Insert one and touch "Export logs for support" again, or save the file on the automat.</source>
      <translation>Der er ikke sat noget USB-stik i. Sæt et i og tryk på "Eksportér log til support" igen, eller gem filen på automaten.</translation>
    </message>
    <message>
      <source>Where should the log file go?</source>
      <translation>Hvor skal logfilen gemmes?</translation>
    </message>
    <message>
      <source>USB stick %1</source>
      <translation>USB-stik %1</translation>
    </message>
    <message>
      <source>On the automat (%1)</source>
      <translation>På automaten (%1)</translation>
    </message>
    <message>
      <source>The log file was saved: %1</source>
      <translation>Logfilen er gemt: %1</translation>
    </message>
    <message>
      <source>Send #%1 again</source>
      <translation>Send #%1 igen</translation>
    </message>
    <message>
      <source>Touch "Send #%1 again" once more to deliver %2 again. Only if the debtor system has not read it: it would book the payments twice.</source>
      <translation>Tryk på "Send #%1 igen" en gang til for at levere %2 igen. Kun hvis debitorsystemet ikke har læst filen: ellers bogføres betalingerne to gange.</translation>
    </message>
    <message>
      <source>%1 was delivered again.</source>
      <translation>%1 er leveret igen.</translation>
    </message>
  </context>
  <context>
    <name>Window</name>
    <message>
      <source>Larger text</source>
      <translation>Større tekst</translation>
    </message>
    <message>
      <source>High contrast</source>
      <translation>Høj kontrast</translation>
    </message>
    <message>
      <source>More time</source>
      <translation>Mere tid</translation>
    </message>
    <message>
      <source>Are you still there? The session ends in 1 second.</source>
      <translation>Er du der stadig? Sessionen slutter om 1 sekund.</translation>
    </message>
    <message>
      <source>Are you still there? The session ends in %1 seconds.</source>
      <translation>Er du der stadig? Sessionen slutter om %1 sekunder.</translation>
    </message>
  </context>
  <context>
    <name>StaffDeviceTest</name>
    <message>
      <source>coin, in the cash box as a test</source>
      <translation>mønt, i kassen som test</translation>
    </message>
    <message>
      <source>note, in the cash box as a test</source>
      <translation>seddel, i kassen som test</translation>
    </message>
    <message>
      <source>note, given back</source>
      <translation>seddel, givet tilbage</translation>
    </message>
    <message>
      <source>rejected by the device</source>
      <translation>afvist af enheden</translation>
    </message>
    <message>
      <source>library card</source>
      <translation>lånerkort</translation>
    </message>
    <message>
      <source>health card</source>
      <translation>sundhedskort</translation>
    </message>
    <message>
      <source>card on the reader</source>
      <translation>kort på kortlæseren</translation>
    </message>
    <message>
      <source>staff card, staff number</source>
      <translation>medarbejderkort, medarbejdernummer</translation>
    </message>
    <message>
      <source>could not be read</source>
      <translation>kunne ikke læses</translation>
    </message>
    <message>
      <source>Only a technician or an administrator may test the devices.</source>
      <translation>Kun en tekniker eller en administrator må teste enhederne.</translation>
    </message>
    <message>
      <source>No coin acceptor or note validator works right now.</source>
      <translation>Ingen møntmodtager eller seddelmodtager virker lige nu.</translation>
    </message>
    <message>
      <source>Waiting for the devices …</source>
      <translation>Venter på enhederne …</translation>
    </message>
    <message>
      <source>In the cash box as a test: %1</source>
      <translation>I kassen som test: %1</translation>
    </message>
    <message>
      <source>Notes now stay in the cash box and are recorded as a test.</source>
      <translation>Sedler bliver nu i kassen og bogføres som test.</translation>
    </message>
    <message>
      <source>Notes are given back.</source>
      <translation>Sedler gives tilbage.</translation>
    </message>
    <message>
      <source>Test coins and notes</source>
      <translation>Test mønter og sedler</translation>
    </message>
    <message>
      <source>Put coins and notes in. Nothing is paid or credited to anyone. A coin stays in the cash box and is recorded as a technician test; a note is given back unless you count it as a test.</source>
      <translation>Læg mønter og sedler i. Intet betales eller krediteres nogen. En mønt bliver i kassen og bogføres som teknikertest; en seddel gives tilbage, medmindre du tæller den som test.</translation>
    </message>
    <message>
      <source>Test the scanner and card reader</source>
      <translation>Test scanner og kortlæser</translation>
    </message>
    <message>
      <source>Scan a card or hold one to the reader. What is read is only shown here (a CPR number hidden); no citizen session and no staff login starts.</source>
      <translation>Scan et kort, eller hold et kort til kortlæseren. Det læste vises kun her (et CPR-nummer skjult); hverken en borgersession eller et personalelogin starter.</translation>
    </message>
    <message>
      <source>Count notes as a test (keep them)</source>
      <translation>Tæl sedler som test (behold dem)</translation>
    </message>
    <message>
      <source>Stop the test</source>
      <translation>Stop testen</translation>
    </message>
  </context>
</TS>