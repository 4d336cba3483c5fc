<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en_GB">
  <!-- English is the source language; only its plural forms need a translation (Qt's rule). -->
  <context>
    <name>Claims</name>
    <message numerus="yes">
      <source>This payment covers %n claim(s): %1</source>
      <translation>
        <numerusform>This payment covers %n claim: %1</numerusform>
        <numerusform>This payment covers %n claims: %1</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>Window</name>
    <message numerus="yes">
      <source>Are you still there? The session ends in %n second(s).</source>
      <translation>
        <numerusform>Are you still there? The session ends in %n second.</numerusform>
        <numerusform>Are you still there? The session ends in %n seconds.</numerusform>
      </translation>
    </message>
  </context>
</TS>
