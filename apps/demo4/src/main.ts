console.log("demo4");
