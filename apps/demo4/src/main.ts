console.log('demo4');
